import Formats
import Foundation
import Kernels

/// The settings a report was made with; parts made with different settings cannot be merged.
public struct ReportSettings: Codable, Equatable, Sendable {
  public var formats: [String]
  public var group: String
  public var scaleMode: String
  /// `--rotate` as given (`none`, `hadamard:128`, …): rows of different rotations are other numbers.
  public var rotation: String
  /// `--scale-bits`: the bits per weight of the rows depend on it.
  public var scaleBits: Int

  public init(
    formats: [String], group: String, scaleMode: String, rotation: String = "none",
    scaleBits: Int = BitsPerWeight.defaultScaleBits
  ) {
    self.formats = formats
    self.group = group
    self.scaleMode = scaleMode
    self.rotation = rotation
    self.scaleBits = scaleBits
  }

  enum CodingKeys: String, CodingKey {
    case formats, group, rotation
    case scaleMode = "scale_mode"
    case scaleBits = "scale_bits"
  }

  /// Parts written before `rotation` and `scale_bits` were recorded read as the defaults they ran with.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    formats = try container.decode([String].self, forKey: .formats)
    group = try container.decode(String.self, forKey: .group)
    scaleMode = try container.decode(String.self, forKey: .scaleMode)
    rotation = try container.decodeIfPresent(String.self, forKey: .rotation) ?? "none"
    scaleBits = try container.decodeIfPresent(Int.self, forKey: .scaleBits) ?? BitsPerWeight.defaultScaleBits
  }
}

/// Which part of a sharded report this is: shard `index` of `count` (1-based).
public struct ShardInfo: Codable, Equatable, Sendable {
  public var index: Int
  public var count: Int

  public init(index: Int, count: Int) {
    self.index = index
    self.count = count
  }
}

/// A whole report as the `.json` output holds it: `{"model", "settings", "rows", "summary"}`, plus
/// what `merge` needs to check parts belong together (`model_fingerprint`, `model_tensors`, `shard`).
public struct ReportDocument: Codable, Equatable, Sendable {
  public var model: String
  public var modelFingerprint: String
  public var modelTensors: Int
  public var settings: ReportSettings
  public var shard: ShardInfo?
  public var rows: [ReportRow]
  public var summary: [FormatSummary]
  public var byLayerType: [LayerTypeSummary]
  /// The quality-against-cost frontier (`--pareto`), or nil.
  public var pareto: ParetoFrontier?

  public init(
    model: String, modelFingerprint: String, modelTensors: Int, settings: ReportSettings, shard: ShardInfo?,
    rows: [ReportRow]
  ) {
    self.model = model
    self.modelFingerprint = modelFingerprint
    self.modelTensors = modelTensors
    self.settings = settings
    self.shard = shard
    self.rows = rows
    self.summary = FormatSummary.summarize(rows)
    self.byLayerType = LayerTypeSummary.summarize(rows)
  }

  /// Adds the frontier of this document's summary.
  public mutating func addPareto(costs: HardwareCostTable, x: ParetoFrontier.Cost, y: ParetoFrontier.Quality) {
    pareto = ParetoFrontier(summary: summary, costs: costs, x: x, y: y)
  }

  enum CodingKeys: String, CodingKey {
    case model, settings, shard, rows, summary, pareto
    case modelFingerprint = "model_fingerprint"
    case modelTensors = "model_tensors"
    case byLayerType = "by_layer_type"
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(model, forKey: .model)
    try container.encode(modelFingerprint, forKey: .modelFingerprint)
    try container.encode(modelTensors, forKey: .modelTensors)
    try container.encode(settings, forKey: .settings)
    try container.encode(shard, forKey: .shard)
    try container.encode(rows, forKey: .rows)
    try container.encode(summary, forKey: .summary)
    try container.encode(byLayerType, forKey: .byLayerType)
    try container.encodeIfPresent(pareto, forKey: .pareto)
  }

  /// The document as pretty-printed JSON with sorted keys (stable for diffs).
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(self)
  }
}
