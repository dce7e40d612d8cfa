/// Where a report goes, by extension: `.csv`, `.json` or `.md`.
struct ReportDestination {
  enum Kind { case csv, json, markdown }

  let path: String
  let kind: Kind

  init(path: String) throws {
    self.path = path
    switch path.split(separator: ".").last?.lowercased() {
    case "csv": kind = .csv
    case "json": kind = .json
    case "md": kind = .markdown
    default: throw UsageError("--out '\(path)' must end in .csv, .json or .md")
    }
  }
}
