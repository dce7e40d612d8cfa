import Foundation

/// The report as CSV, Markdown, and an aligned text table for the terminal.
public enum ReportText {
  /// The CSV header line (SPEC §2 columns), with a trailing newline.
  public static var csvHeader: String { ReportRow.columns.joined(separator: ",") + "\n" }

  /// One CSV line for `row`, with a trailing newline (RFC 4180 quoting where needed).
  public static func csvLine(_ row: ReportRow) -> String {
    row.cells.map(csvField).joined(separator: ",") + "\n"
  }

  public static func csv(_ rows: [ReportRow]) -> String {
    csvHeader + rows.map(csvLine).joined()
  }

  static func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  /// Markdown: a heading with the settings, the summary table, then every row.
  public static func markdown(_ document: ReportDocument) -> String {
    var out = "# tscope report: \(document.model)\n\n"
    out +=
      "Formats \(document.settings.formats.joined(separator: ", ")) · group \(document.settings.group)"
      + " · scale \(document.settings.scaleMode) · \(Set(document.rows.map(\.name)).count) tensors\n\n"
    out += "## Summary\n\n"
    out += markdownTable(header: summaryHeader, rows: document.summary.map(summaryCells), rightAligned: [1, 2])
    out += "\n## Tensors\n\n"
    let numeric = Set(4..<ReportRow.columns.count).subtracting([8])
    out += markdownTable(header: ReportRow.columns, rows: document.rows.map(displayCells), rightAligned: numeric)
    return out
  }

  /// The summary as an aligned plain-text table (stdout of `report` and `merge`).
  public static func summaryTable(_ summary: [FormatSummary]) -> String {
    alignedTable(header: summaryHeader, rows: summary.map(summaryCells), rightAligned: [1, 2])
  }

  static let summaryHeader = ["format", "mean_sqnr_db", "wins", "worst"]

  static func summaryCells(_ entry: FormatSummary) -> [String] {
    [entry.format, entry.meanSQNRDB.map { format($0, digits: 2) } ?? "", String(entry.wins), entry.worst ?? ""]
  }

  /// Cells with numbers shortened for people (CSV and JSON keep full precision).
  static func displayCells(_ row: ReportRow) -> [String] {
    [
      row.name, row.format, row.group, row.scaleMode, String(row.count),
      row.nu.map { format($0, digits: 2) } ?? "", row.tScale.map(scientific) ?? "",
      row.normalStd.map(scientific) ?? "", row.bestFit ?? "", row.mse.map(scientific) ?? "",
      row.sqnrDB.map { format($0, digits: 2) } ?? "", row.maxAbsErr.map(scientific) ?? "",
      row.relL2.map(scientific) ?? "",
    ]
  }

  static func markdownTable(header: [String], rows: [[String]], rightAligned: Set<Int>) -> String {
    let escape = { (cell: String) in cell.replacingOccurrences(of: "|", with: "\\|") }
    var out = "| " + header.map(escape).joined(separator: " | ") + " |\n"
    out += "|" + header.indices.map { rightAligned.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|\n"
    for row in rows { out += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
    return out
  }

  static func alignedTable(header: [String], rows: [[String]], rightAligned: Set<Int>) -> String {
    var widths = header.map(\.count)
    for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { column, cell in
        let pad = String(repeating: " ", count: widths[column] - cell.count)
        return rightAligned.contains(column) ? pad + cell : cell + pad
      }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
    }
    return line(header) + rows.map(line).joined()
  }

  static func format(_ value: Double, digits: Int) -> String { String(format: "%.\(digits)f", value) }

  static func scientific(_ value: Double) -> String { String(format: "%.3e", value) }
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    var text = self
    while text.last == " " { text.removeLast() }
    return text
  }
}
