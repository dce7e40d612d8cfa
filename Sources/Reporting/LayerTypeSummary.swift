import TensorIO

/// One line of `report`'s `by_layer_type`: a format over the tensors of one layer type (the
/// groups of the model overview), by the rules of the model summary (`SQNRTally`).
public struct LayerTypeSummary: Codable, Equatable, Sendable {
  public var layerType: String
  public var format: String
  public var tensors: Int
  public var params: Int
  public var meanSQNRDB: Double?
  public var weightedSQNRDB: Double?
  public var wins: Int

  enum CodingKeys: String, CodingKey {
    case format, tensors, params, wins
    case layerType = "layer_type"
    case meanSQNRDB = "mean_sqnr_db"
    case weightedSQNRDB = "weighted_sqnr_db"
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(layerType, forKey: .layerType)
    try container.encode(format, forKey: .format)
    try container.encode(tensors, forKey: .tensors)
    try container.encode(params, forKey: .params)
    try container.encode(meanSQNRDB, forKey: .meanSQNRDB)
    try container.encode(weightedSQNRDB, forKey: .weightedSQNRDB)
    try container.encode(wins, forKey: .wins)
  }

  /// One entry per layer type present × format: layer types in `LayerType` order (unknown
  /// labels last, by name), formats in first-appearance order.
  public static func summarize(_ rows: [ReportRow]) -> [LayerTypeSummary] {
    var byType: [String: [ReportRow]] = [:]
    for row in rows { byType[row.layerType, default: []].append(row) }
    let order = { (label: String) in LayerType(rawValue: label).flatMap { LayerType.allCases.firstIndex(of: $0) } }
    let types = byType.keys.sorted { lhs, rhs in
      switch (order(lhs), order(rhs)) {
      case (let left?, let right?): left < right
      case (.some, nil): true
      case (nil, .some): false
      case (nil, nil): lhs < rhs
      }
    }
    return types.flatMap { type in
      let tally = SQNRTally(byType[type]!)
      return tally.formats.map { format in
        let entry = tally.entries[format]!
        return LayerTypeSummary(
          layerType: type, format: format, tensors: entry.tensors, params: entry.params, meanSQNRDB: entry.mean,
          weightedSQNRDB: entry.weightedMean, wins: entry.wins)
      }
    }
  }
}
