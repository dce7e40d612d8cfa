import Foundation
import TOMLKit

/// User codebooks from a TOML file (`--codebook FILE`), one table per codebook:
///
/// ```toml
/// [mine]                       # used as `file:mine`
/// name = "My 4-bit"            # display name (optional, default the table's key)
/// bits = 4                     # optional, default the fewest bits that hold the values
/// values = [-1, -0.5, 0, 0.25, 0.5, 1]
/// ```
///
/// Rules: 2 to 256 values, finite, strictly ascending (so no duplicates), containing 0 (an
/// all-zero group must dequantize exactly), with a positive largest value, and at most 2^bits.
public enum CodebookFile {
  /// Loads every codebook of `path`, keyed by table name; ids are `file:NAME`.
  public static func load(path: String) throws(FormatError) -> [String: Codebook] {
    let file = (path as NSString).lastPathComponent
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
      throw .codebookFile(file: path, problem: "cannot read the file")
    }
    return try parse(text, file: file.isEmpty ? path : path)
  }

  /// Parses TOML text; `file` names the source in error messages.
  public static func parse(_ text: String, file: String) throws(FormatError) -> [String: Codebook] {
    let table: TOMLTable
    do {
      table = try TOMLGuard.table(parsing: text)
    } catch {
      throw .codebookFile(file: file, problem: error.line.map { "line \($0): \(error.problem)" } ?? "not valid TOML")
    }
    var codebooks: [String: Codebook] = [:]
    for key in table.keys.sorted() {
      guard let entry = table[key]?.table else {
        throw .codebookFile(file: file, problem: "'\(key)' must be a table with a 'values' array")
      }
      codebooks[key.lowercased()] = try codebook(named: key, entry, file: file)
    }
    if codebooks.isEmpty { throw .codebookFile(file: file, problem: "no codebook tables") }
    return codebooks
  }

  private static func codebook(named key: String, _ entry: TOMLTable, file: String) throws(FormatError) -> Codebook {
    func fail(_ problem: String) -> FormatError { .codebookFile(file: file, problem: "codebook '\(key)': \(problem)") }
    guard let array = entry["values"]?.array else { throw fail("missing 'values' array") }
    var values: [Double] = []
    for item in array {
      guard let value = item.double ?? item.int.map(Double.init), value.isFinite else {
        throw fail("every value must be a finite number")
      }
      values.append(value)
    }
    guard values.count >= 2 else { throw fail("needs at least 2 values") }
    guard values.count <= 256 else { throw fail("has \(values.count) values; at most 256") }
    for (index, pair) in zip(values, values.dropFirst()).enumerated() where pair.0 >= pair.1 {
      throw pair.0 == pair.1
        ? fail("duplicate value \(FormatCatalog.text(for: pair.0))")
        : fail("values must be ascending (value \(index + 2) is below value \(index + 1))")
    }
    guard values.contains(0) else { throw fail("must contain 0") }
    guard values[values.count - 1] > 0 else { throw fail("the largest value must be positive") }
    let fewestBits = max(1, Int((Double(values.count)).log2Ceiling))
    var bits = fewestBits
    if let declared = entry["bits"] {
      guard let number = declared.int, (1...8).contains(number) else { throw fail("'bits' must be 1 to 8") }
      guard number >= fewestBits else { throw fail("\(values.count) values do not fit in \(number) bits") }
      bits = number
    }
    let name = entry["name"]?.string ?? key
    return Codebook(id: "file:\(key.lowercased())", name: name, bits: bits, values: values)
  }
}

extension Double {
  /// ⌈log2(self)⌉ for self ≥ 1.
  fileprivate var log2Ceiling: Double { Foundation.log2(self).rounded(.up) }
}
