import Fits
import Formats
import Foundation

/// The report as CSV, Markdown, and an aligned text table for the terminal.
public enum ReportText {
  /// The CSV header line (SPEC §2 columns), with a trailing newline.
  public static var csvHeader: String { csvHeader(extras: []) }

  /// The CSV header of a run that measures `extras` (their columns before `reason`).
  public static func csvHeader(extras: ReportExtras) -> String {
    ReportRow.columns(extras: extras).joined(separator: ",") + "\n"
  }

  /// One CSV line for `row`, with a trailing newline (RFC 4180 quoting where needed).
  public static func csvLine(_ row: ReportRow) -> String {
    row.cells.map(csvField).joined(separator: ",") + "\n"
  }

  public static func csv(_ rows: [ReportRow]) -> String {
    csvHeader(extras: .of(rows)) + rows.map(csvLine).joined()
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
    out += markdownTable(
      header: summaryHeader, rows: document.summary.map(summaryCells), rightAligned: [1, 2, 3, 5, 6, 7])
    out += "\n## By layer type\n\n"
    out += markdownTable(
      header: layerTypeHeader, rows: document.byLayerType.map(layerTypeCells), rightAligned: [2, 3, 4, 5, 6])
    if let pareto = document.pareto {
      out += "\n## Pareto frontier (x = \(pareto.x.rawValue), y = \(pareto.y.rawValue))\n\n"
      out += markdownTable(header: paretoHeader, rows: paretoCells(pareto), rightAligned: [1, 2])
      if !pareto.withoutCost.isEmpty {
        out += "\nWithout a cost (not placed): \(pareto.withoutCost.joined(separator: ", "))\n"
      }
    }
    out += "\n## Tensors\n\n"
    let extras = ReportExtras.of(document.rows)
    out += markdownTable(
      header: ReportRow.columns(extras: extras), rows: document.rows.map { displayCells($0, extras: extras) },
      rightAligned: numericColumns(extras: extras))
    return out
  }

  /// The rows as an aligned plain-text table, numbers shortened for people.
  public static func rowsTable(_ rows: [ReportRow]) -> String {
    let extras = ReportExtras.of(rows)
    return alignedTable(
      header: ReportRow.columns(extras: extras), rows: rows.map { displayCells($0, extras: extras) },
      rightAligned: numericColumns(extras: extras))
  }

  /// The right-aligned columns of the rows: `count` to `opt_gap_db` (except `best_fit` and
  /// `layer_type`), then the optional metrics.
  static func numericColumns(extras: ReportExtras) -> Set<Int> {
    Set(4...18).subtracting([8, 17]).union(19..<(19 + extras.columns.count))
  }

  /// The summaries as aligned plain-text tables (stdout of `report` and `merge`): per format,
  /// per layer type, and the frontier when there is one.
  public static func summaryTables(_ document: ReportDocument) -> String {
    var out = alignedTable(
      header: summaryHeader, rows: document.summary.map(summaryCells), rightAligned: [1, 2, 3, 5, 6, 7])
    out +=
      "\n"
      + alignedTable(
        header: layerTypeHeader, rows: document.byLayerType.map(layerTypeCells), rightAligned: [2, 3, 4, 5, 6])
    if let pareto = document.pareto {
      out += "\nPareto frontier: x = \(pareto.x.rawValue), y = \(pareto.y.rawValue)\n"
      out += alignedTable(header: paretoHeader, rows: paretoCells(pareto), rightAligned: [1, 2])
      if !pareto.withoutCost.isEmpty { out += "without a cost: \(pareto.withoutCost.joined(separator: ", "))\n" }
    }
    let missing = withoutSQNR(document.rows)
    if !missing.isEmpty {
      out += "\nNot in the summary (no SQNR):\n"
      out += alignedTable(header: ["tensor", "formats", "reason"], rows: missing, rightAligned: [])
    }
    return out
  }

  /// The tensors the summaries leave out, one line per tensor and reason: the formats without
  /// an SQNR ("all" when none has one) and why, so that a terminal summary names every tensor it
  /// does not count.
  static func withoutSQNR(_ rows: [ReportRow]) -> [[String]] {
    struct Omission: Hashable {
      let tensor: String
      let reason: String
    }
    var formatsPerTensor: [String: Int] = [:]
    for row in rows { formatsPerTensor[row.name, default: 0] += 1 }
    var order: [Omission] = []
    var formats: [Omission: [String]] = [:]
    for row in rows where row.sqnrDB == nil {
      let omission = Omission(tensor: row.name, reason: row.reason ?? "no SQNR")
      if formats[omission] == nil { order.append(omission) }
      formats[omission, default: []].append(row.format)
    }
    return order.map { omission in
      let missing = formats[omission] ?? []
      let which = missing.count == formatsPerTensor[omission.tensor] ? "all" : missing.joined(separator: " ")
      return [omission.tensor, which, omission.reason]
    }
  }

  static let summaryHeader = [
    "format", "mean_sqnr_db", "weighted_sqnr_db", "wins", "worst", "tensors", "params", "bpw",
  ]

  static func summaryCells(_ entry: FormatSummary) -> [String] {
    [
      entry.format, entry.meanSQNRDB.map { format($0, digits: 2) } ?? "",
      entry.weightedSQNRDB.map { format($0, digits: 2) } ?? "", String(entry.wins), entry.worst ?? "",
      String(entry.tensors), String(entry.params), entry.bitsPerWeight.map { format($0, digits: 4) } ?? "",
    ]
  }

  static let layerTypeHeader = [
    "layer_type", "format", "tensors", "params", "mean_sqnr_db", "weighted_sqnr_db", "wins",
  ]

  static func layerTypeCells(_ entry: LayerTypeSummary) -> [String] {
    [
      entry.layerType, entry.format, String(entry.tensors), String(entry.params),
      entry.meanSQNRDB.map { format($0, digits: 2) } ?? "", entry.weightedSQNRDB.map { format($0, digits: 2) } ?? "",
      String(entry.wins),
    ]
  }

  static let paretoHeader = ["format", "x", "y", "on_frontier"]

  static func paretoCells(_ pareto: ParetoFrontier) -> [[String]] {
    pareto.points.map { point in
      [point.format, NumberText.roundTrip(point.x), format(point.y, digits: 2), point.onFrontier ? "yes" : "no"]
    }
  }

  /// Cells with numbers shortened for people (CSV and JSON keep full precision).
  static func displayCells(_ row: ReportRow, extras: ReportExtras = []) -> [String] {
    [
      row.name, row.format, row.group, row.scaleMode, String(row.count),
      row.nu.map { NumberText.nu($0, upperBound: StudentTFitter.nuRange.upperBound) { format($0, digits: 2) } } ?? "",
      row.tScale.map(scientific) ?? "",
      row.normalStd.map(scientific) ?? "", row.bestFit ?? "", row.mse.map(scientific) ?? "",
      row.sqnrDB.map { format($0, digits: 2) } ?? "", row.maxAbsError.map(scientific) ?? "",
      row.relativeL2.map(scientific) ?? "", row.clipRatio.map(FormatCatalog.text) ?? "",
      row.supernormalValue.map(FormatCatalog.text) ?? "", row.formatNu.map { format($0, digits: 3) } ?? "",
      row.bitsPerWeight.map { format($0, digits: 4) } ?? "", row.layerType,
      row.optGapDB.map { format($0, digits: 2) } ?? "",
    ]
      + zip(extras.columns, row.extraValues(extras)).map { column, value in
        value.map { column == "output_rel_err" ? scientific($0) : format($0, digits: 2) } ?? ""
      } + [row.reason ?? ""]
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
