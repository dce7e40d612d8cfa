import Reporting
import TensorIO

/// The human view of `tscope layers`: one aligned row per tensor, grouped by numbered block,
/// then totals per dtype. Plain text; `bold` adds SGR bold to headings (only on a terminal).
struct LayerTable {
  var bold = false
  /// The dimension separator: `×` in a UTF-8 locale, `x` otherwise.
  var times = "×"

  func render(_ model: Model, displayName: String) -> String {
    let rows = model.tensors.indices.map { position in
      let tensor = model.tensor(at: position)
      return Row(info: tensor.info, bytes: tensor.storedByteCount, group: LayerGrouping.group(of: tensor.info.name))
    }
    .sorted { LayerGrouping.naturallyOrdered($0.info.name, $1.info.name) }
    let files = Set(rows.map(\.info.file))
    let showFile = files.count > 1
    var groupParameters: [String: Int] = [:]
    for row in rows { if let group = row.group { groupParameters[group, default: 0] += row.info.count } }

    var lines: [[String]] = [["name", "dtype", "shape", "params"] + (showFile ? ["file"] : [])]
    var headingLines = Set([0])
    var currentGroup: String?
    for row in rows {
      if let group = row.group, group != currentGroup {
        headingLines.insert(lines.count)
        lines.append([group, "", "", NumberText.grouped(groupParameters[group, default: 0])])
      }
      currentGroup = row.group
      let label = row.group.map { "  " + row.info.name.dropFirst($0.count + 1) } ?? row.info.name
      var cells = [label, row.dtypeText, shapeText(row.info.displayShape), NumberText.grouped(row.info.count)]
      if showFile { cells.append(row.info.file) }
      lines.append(cells)
    }

    let totalParameters = rows.reduce(0) { $0 + $1.info.count }
    let totalBytes = rows.reduce(0) { $0 + $1.bytes }
    var out =
      "\(displayName): \(NumberText.grouped(rows.count)) tensors, \(NumberText.grouped(totalParameters)) parameters, "
      + "\(NumberText.bytes(totalBytes)) in \(files.count) file\(files.count == 1 ? "" : "s")\n\n"
    out += alignedText(lines, rightAligned: [3], headings: headingLines)
    out += "\n" + dtypeSummary(rows, totalParameters: totalParameters, totalBytes: totalBytes)
    let listedOnly = Set(
      rows.compactMap { row in row.info.dtype.unanalysableReason.map { "\(row.info.dtype): \($0)" } })
    if !listedOnly.isEmpty {
      out += "\n* listed only, not analysed:\n" + listedOnly.sorted().map { "  \($0)\n" }.joined()
    }
    return out
  }

  private struct Row {
    let info: TensorInfo
    let bytes: Int
    /// The numbered block the tensor belongs to (`model.layers.3`), if any.
    let group: String?
    var dtypeText: String { info.dtype.description + (info.dtype.isAnalysable ? "" : "*") }
  }

  private func shapeText(_ shape: [Int]) -> String {
    shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: times)
  }

  private func dtypeSummary(_ rows: [Row], totalParameters: Int, totalBytes: Int) -> String {
    var order: [String] = []
    var totals: [String: (tensors: Int, parameters: Int, bytes: Int)] = [:]
    for row in rows {
      let key = row.dtypeText
      if totals[key] == nil { order.append(key) }
      let sum = totals[key, default: (0, 0, 0)]
      totals[key] = (sum.tensors + 1, sum.parameters + row.info.count, sum.bytes + row.bytes)
    }
    // The type mix as llama.cpp's quantize log gives it: tensors and bytes per type, and the
    // bits per weight they cost.
    var lines = [["dtype", "tensors", "params", "bytes", "bits/weight"]]
    for key in order.sorted(by: { totals[$0]!.bytes > totals[$1]!.bytes }) {
      let sum = totals[key]!
      lines.append([
        key, NumberText.grouped(sum.tensors), NumberText.grouped(sum.parameters), NumberText.bytes(sum.bytes),
        bitsPerWeight(bytes: sum.bytes, parameters: sum.parameters),
      ])
    }
    lines.append([
      "total", NumberText.grouped(rows.count), NumberText.grouped(totalParameters), NumberText.bytes(totalBytes),
      bitsPerWeight(bytes: totalBytes, parameters: totalParameters),
    ])
    return alignedText(lines, rightAligned: [1, 2, 3, 4], headings: [0, lines.count - 1])
  }

  /// `4.50`: stored bits per element (blocks' scales included), or `-` for no elements.
  private func bitsPerWeight(bytes: Int, parameters: Int) -> String {
    guard parameters > 0 else { return "-" }
    let bits = Double(bytes) * 8 / Double(parameters)
    let hundredths = Int((bits * 100).rounded())
    let fraction = String(hundredths % 100)
    return "\(hundredths / 100)." + (fraction.count < 2 ? "0" + fraction : fraction)
  }

  /// The aligned table, heading lines bold when `bold` is set.
  private func alignedText(_ lines: [[String]], rightAligned: Set<Int>, headings: Set<Int>) -> String {
    TextTable.lines(lines, rightAligned: rightAligned).enumerated().map { number, line in
      (bold && headings.contains(number) ? "\u{1B}[1m" + line + "\u{1B}[0m" : line) + "\n"
    }.joined()
  }
}
