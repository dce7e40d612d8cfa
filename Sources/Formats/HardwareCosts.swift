import Foundation
import TOMLKit

/// The relative chip area and power of a format's multiply-accumulate unit, and where the numbers
/// come from.
public struct HardwareCost: Sendable, Equatable {
  public var area: Double
  public var power: Double
  public var source: String

  public init(area: Double, power: Double, source: String) {
    self.area = area
    self.power = power
    self.source = source
  }
}

/// Hardware costs by format id: the paper's published numbers (`paperTOML`), extended or replaced
/// by a user's TOML file (`--costs FILE`), one table per format id:
///
/// ```toml
/// replace = false          # optional: true drops the built-in numbers
/// [e2m1-sr]
/// area = 1.02              # relative, non-negative
/// power = 1.01
/// source = "our 7 nm synthesis, 2026-11"
/// ```
///
/// A format without an entry has no cost (shown as such, never guessed). `sf4@fit` and `sf4@2.7`
/// take `sf4`'s entry when they have none of their own: ν changes the codebook's values, not the
/// hardware that decodes it.
public struct HardwareCostTable: Sendable, Equatable {
  public private(set) var costs: [String: HardwareCost]

  public init(costs: [String: HardwareCost] = [:]) {
    self.costs = costs
  }

  /// The cost of `formatID`, or of its base before `@`, or nil.
  public func cost(for formatID: String) -> HardwareCost? {
    let id = formatID.lowercased()
    if let cost = costs[id] { return cost }
    if let at = id.firstIndex(of: "@") { return costs[String(id[..<at])] }
    return nil
  }

  /// The table a run uses: the paper's numbers, extended (or replaced) by `path` when given.
  public static func load(path: String?) throws(FormatError) -> HardwareCostTable {
    guard let path else { return paper }
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
      throw .costsFile(file: path, problem: "cannot read the file")
    }
    let user = try parse(text, file: path)
    if user.replacesDefaults { return user.table }
    var merged = paper
    for (id, cost) in user.table.costs { merged.costs[id] = cost }
    return merged
  }

  /// Parses a costs file; `file` names it in errors. Every table must name a format id and have a
  /// non-negative `area` and `power` and a `source`.
  public static func parse(_ text: String, file: String) throws(FormatError) -> (
    table: HardwareCostTable, replacesDefaults: Bool
  ) {
    let root: TOMLTable
    do {
      root = try TOMLGuard.table(parsing: text)
    } catch {
      throw .costsFile(file: file, problem: error.line.map { "line \($0): \(error.problem)" } ?? "not valid TOML")
    }
    var replaces = false
    var costs: [String: HardwareCost] = [:]
    for key in root.keys.sorted() {
      if key == "replace" {
        guard let flag = root[key]?.bool else {
          throw .costsFile(file: file, problem: "'replace' must be true or false")
        }
        replaces = flag
        continue
      }
      guard let entry = root[key]?.table else {
        throw .costsFile(file: file, problem: "'\(key)' must be a table with area, power and source")
      }
      let id = key.lowercased()
      if !id.hasPrefix("file:") {
        do {
          _ = try FormatSpec.parse(id)
        } catch {
          throw .costsFile(file: file, problem: "[\(key)]: \(error)")
        }
      }
      func number(_ field: String) throws(FormatError) -> Double {
        guard let value = entry[field] else { throw .costsFile(file: file, problem: "[\(key)]: missing '\(field)'") }
        guard let number = value.double ?? value.int.map(Double.init), number.isFinite, number >= 0 else {
          throw .costsFile(file: file, problem: "[\(key)].\(field): must be a non-negative number")
        }
        return number
      }
      let area = try number("area")
      let power = try number("power")
      guard let sourceValue = entry["source"] else {
        throw .costsFile(file: file, problem: "[\(key)]: missing 'source'")
      }
      guard let source = sourceValue.string, !source.isEmpty else {
        throw .costsFile(file: file, problem: "[\(key)].source: must be a non-empty string")
      }
      for field in entry.keys where !["area", "power", "source"].contains(field) {
        throw .costsFile(file: file, problem: "[\(key)].\(field): unknown key (area, power, source)")
      }
      costs[id] = HardwareCost(area: area, power: power, source: source)
    }
    return (HardwareCostTable(costs: costs), replaces)
  }

  /// The paper's numbers, from `paperTOML`.
  public static let paper: HardwareCostTable = {
    guard let parsed = try? parse(paperTOML, file: "built-in costs") else {
      preconditionFailure("the built-in costs table does not parse")
    }
    return parsed.table
  }()
}
