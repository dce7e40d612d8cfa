import Foundation
import Kernels
import TensorIO

/// `tscope diff`'s outputs: the table, JSON, CSV and Markdown of its rows.
public enum ShippedDiffText {
  /// The fields of a JSON object and a CSV line, in order.
  static let fields = [
    "name", "shipped_name", "shipped_type", "layer_type", "count", "bpw", "mse", "sqnr_db", "max_abs_err", "rel_l2",
    "non_finite", "made_by", "reason",
  ]

  /// One JSON array: a row object per shipped tensor, then the original's tensors the shipped
  /// model lacks; unmeasured rows carry `reason` and null metrics.
  public static func json(_ rows: [ShippedDiffRow]) -> String {
    JSONText.array(
      rows.map { row in
        JSONText.object(Array(zip(fields, jsonValues(row))))
      })
  }

  static func jsonValues(_ row: ShippedDiffRow) -> [String] {
    [
      JSONText.string(row.originalName), JSONText.string(row.shippedName), JSONText.string(row.shippedType),
      JSONText.string(row.layerType.rawValue), String(row.count), JSONText.number(row.bitsPerWeight),
      JSONText.number(row.error?.mse), JSONText.number(row.error?.sqnrDB), JSONText.number(row.error?.maxAbsError),
      JSONText.number(row.error?.relativeL2), row.error.map { String($0.nonFiniteCount) } ?? "null",
      JSONText.string(row.recipe?.text), JSONText.string(row.reason),
    ]
  }

  /// CSV with a header line; empty fields where JSON has null.
  public static func csv(_ rows: [ShippedDiffRow]) -> String {
    var out = fields.joined(separator: ",") + "\n"
    for row in rows {
      out += jsonValues(row).map(csvField).joined(separator: ",") + "\n"
    }
    return out
  }

  /// A JSON value as a CSV field: null empty, strings unescaped from JSON and quoted when needed.
  private static func csvField(_ json: String) -> String {
    guard json != "null" else { return "" }
    guard json.hasPrefix("\""),
      let text = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? String
    else { return json }
    if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) {
      return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return text
  }

  /// The table of measured rows, the rows not compared with their reasons, and the summary per
  /// shipped type.
  public static func table(_ rows: [ShippedDiffRow], original: String, shipped: String) -> String {
    var out = "\(shipped) against \(original)\n\n"
    let measured = rows.filter { $0.error != nil }
    let madeBy = rows.contains { $0.recipe != nil }
    var lines: [[String]] = [
      ["tensor", "type", "layer", "count", "bpw", "mse", "sqnr dB", "max |err|", "rel l2"] + (madeBy ? ["made by"] : [])
    ]
    for row in measured {
      lines.append(cells(row) + (madeBy ? [row.recipe?.text ?? "-"] : []))
    }
    out += TextTable.render(lines, rightAligned: Set(3..<9))
    let skipped = rows.filter { $0.error == nil }
    if !skipped.isEmpty {
      out += "\nNot compared:\n"
      out += TextTable.render(
        skipped.map { ["  " + ($0.shippedName ?? $0.originalName ?? ""), $0.reason ?? ""] }, rightAligned: [])
    }
    out += "\nBy shipped type:\n"
    out += TextTable.render(summaryLines(ShippedTypeSummary.summaries(rows)), rightAligned: Set(1..<6))
    return out
  }

  /// Markdown: the measured rows, the rows not compared, the summary.
  public static func markdown(_ rows: [ShippedDiffRow], original: String, shipped: String) -> String {
    var out = "# tscope diff\n\nShipped `\(shipped)` against original `\(original)`.\n\n"
    let madeBy = rows.contains { $0.recipe != nil }
    let header = ["tensor", "type", "layer", "count", "bpw", "mse", "sqnr dB", "max abs err", "rel l2"]
    out += markdownTable(
      [header + (madeBy ? ["made by"] : [])]
        + rows.filter { $0.error != nil }.map { cells($0) + (madeBy ? [$0.recipe?.text ?? "-"] : []) })
    let skipped = rows.filter { $0.error == nil }
    if !skipped.isEmpty {
      out += "\n## Not compared\n\n"
      out += markdownTable(
        [["tensor", "reason"]] + skipped.map { [$0.shippedName ?? $0.originalName ?? "", $0.reason ?? ""] })
    }
    out += "\n## By shipped type\n\n"
    out += markdownTable(summaryLines(ShippedTypeSummary.summaries(rows)))
    return out
  }

  private static func cells(_ row: ShippedDiffRow) -> [String] {
    let error = row.error!
    return [
      row.shippedName ?? "", row.shippedType ?? "", row.layerType.label, NumberText.grouped(row.count),
      row.bitsPerWeight.map { NumberText.fixed($0, digits: 2) } ?? "-",
      NumberText.scientific(error.mse, digits: 3), decibels(error.sqnrDB),
      NumberText.scientific(error.maxAbsError, digits: 3), NumberText.scientific(error.relativeL2, digits: 3),
    ]
  }

  private static func summaryLines(_ summaries: [ShippedTypeSummary]) -> [[String]] {
    [["type", "tensors", "params", "bpw", "mean sqnr dB", "pooled sqnr dB"]]
      + summaries.map {
        [
          $0.shippedType, String($0.tensors), NumberText.grouped($0.count),
          NumberText.fixed($0.bitsPerWeight, digits: 2),
          $0.meanSQNRDB.map(decibels) ?? "-", decibels($0.pooledSQNRDB),
        ]
      }
  }

  private static func decibels(_ value: Double) -> String {
    value.isFinite ? NumberText.fixed(value, digits: 2) : "exact"
  }

  private static func markdownTable(_ lines: [[String]]) -> String {
    guard let header = lines.first else { return "" }
    var out = "| " + header.joined(separator: " | ") + " |\n"
    out += "|" + String(repeating: " --- |", count: header.count) + "\n"
    for line in lines.dropFirst() {
      out += "| " + line.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
    }
    return out
  }
}
