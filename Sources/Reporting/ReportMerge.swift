import Formats

/// Why shard parts cannot be merged.
public struct MergeError: Error, CustomStringConvertible, Sendable {
  public let file: String
  public let problem: String
  public var description: String { "\(file): \(problem)" }
}

/// Joins the parts of a sharded report into the report the unsharded run would have written.
public enum ReportMerge {
  /// `parts` are (file name, document) pairs in any order. All must come from the same model and
  /// settings, and together hold every shard 1…N exactly once.
  public static func merge(_ parts: [(file: String, document: ReportDocument)]) throws(MergeError) -> ReportDocument {
    guard let first = parts.first else { throw MergeError(file: "merge", problem: "no parts given") }
    for part in parts {
      let document = part.document
      guard document.modelFingerprint == first.document.modelFingerprint,
        document.modelTensors == first.document.modelTensors
      else {
        throw MergeError(
          file: part.file, problem: "is a report of a different model than \(first.file) (\(document.model))")
      }
      guard document.settings == first.document.settings else {
        throw MergeError(
          file: part.file,
          problem: "was made with different settings than \(first.file)"
            + Self.difference(document.settings, first.document.settings))
      }
      guard document.shard != nil else {
        throw MergeError(file: part.file, problem: "is a whole report, not a shard part (made without --shard)")
      }
    }
    let count = first.document.shard!.count
    var byIndex: [Int: (file: String, document: ReportDocument)] = [:]
    for part in parts {
      let shard = part.document.shard!
      guard shard.count == count else {
        throw MergeError(
          file: part.file, problem: "is shard \(shard.index)/\(shard.count), but \(first.file) is of \(count)")
      }
      if let other = byIndex[shard.index] {
        throw MergeError(file: part.file, problem: "repeats shard \(shard.index)/\(count) of \(other.file)")
      }
      byIndex[shard.index] = part
    }
    let missing = (1...count).filter { byIndex[$0] == nil }
    guard missing.isEmpty else {
      throw MergeError(
        file: first.file,
        problem: "shards missing: " + missing.map { "\($0)/\(count)" }.joined(separator: ", "))
    }
    let rows = (1...count).flatMap { byIndex[$0]!.document.rows }
    var merged = ReportDocument(
      model: first.document.model, modelFingerprint: first.document.modelFingerprint,
      modelTensors: first.document.modelTensors, settings: first.document.settings, shard: nil, rows: rows)
    if let pareto = first.document.pareto {
      // Every part ran with the same costs: each format's cost is any part's x for it.
      var costs: [String: HardwareCost] = [:]
      for part in parts {
        for point in part.document.pareto?.points ?? [] {
          costs[point.format] = HardwareCost(area: point.x, power: point.x, source: part.file)
        }
      }
      merged.addPareto(costs: HardwareCostTable(costs: costs), x: pareto.x, y: pareto.y)
    }
    return merged
  }

  /// The first setting that differs, as ` (NAME A vs B)`.
  static func difference(_ settings: ReportSettings, _ other: ReportSettings) -> String {
    let pairs: [(String, String, String)] = [
      ("formats", settings.formats.joined(separator: ","), other.formats.joined(separator: ",")),
      ("group", settings.group, other.group), ("scale", settings.scaleMode, other.scaleMode),
      ("rotation", settings.rotation, other.rotation),
      ("scale bits", "\(settings.scaleBits)", "\(other.scaleBits)"),
    ]
    guard let (name, mine, theirs) = pairs.first(where: { $0.1 != $0.2 }) else { return "" }
    return " (\(name) \(mine) vs \(theirs))"
  }
}
