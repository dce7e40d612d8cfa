import Fits
import Formats
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
    out += markdownTable(header: ReportRow.columns, rows: document.rows.map(displayCells), rightAligned: numericColumns)
    return out
  }

  /// The rows as an aligned plain-text table, numbers shortened for people.
  public static func rowsTable(_ rows: [ReportRow]) -> String {
    alignedTable(header: ReportRow.columns, rows: rows.map(displayCells), rightAligned: numericColumns)
  }

  /// The right-aligned columns of the rows: `count` to `opt_gap_db`, except `best_fit`.
  static let numericColumns = Set(4...16).subtracting([8])

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
      row.nu.map { NumberText.nu($0, upperBound: StudentTFitter.nuRange.upperBound) { format($0, digits: 2) } } ?? "",
      row.tScale.map(scientific) ?? "",
      row.normalStd.map(scientific) ?? "", row.bestFit ?? "", row.mse.map(scientific) ?? "",
      row.sqnrDB.map { format($0, digits: 2) } ?? "", row.maxAbsError.map(scientific) ?? "",
      row.relativeL2.map(scientific) ?? "", row.clipRatio.map(FormatCatalog.text) ?? "",
      row.supernormalValue.map(FormatCatalog.text) ?? "", row.formatNu.map { format($0, digits: 3) } ?? "",
      row.optGapDB.map { format($0, digits: 2) } ?? "", row.reason ?? "",
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
    TextTable.render([header] + rows, rightAligned: rightAligned)
  }

  static func format(_ value: Double, digits: Int) -> String { NumberText.fixed(value, digits: digits) }

  static func scientific(_ value: Double) -> String { NumberText.scientific(value, digits: 3) }
}
