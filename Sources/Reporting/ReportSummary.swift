/// The per-format summary of a report: mean and parameter-weighted mean SQNR over tensors, how
/// many tensors each format wins (highest SQNR among the report's formats), the tensor where it
/// does worst, and its bits per weight over the model.
public struct FormatSummary: Codable, Equatable, Sendable {
  public var format: String
  public var meanSQNRDB: Double?
  public var wins: Int
  public var worst: String?
  /// Tensors and elements with an SQNR (what the means are over).
  public var tensors: Int
  public var params: Int
  /// Σ count·SQNR / Σ count: large tensors weigh as much as they hold.
  public var weightedSQNRDB: Double?
  /// Σ count·bpw / Σ count over every row with a `bpw`: the model's bits per weight in this format.
  public var bitsPerWeight: Double?

  enum CodingKeys: String, CodingKey {
    case format, wins, worst, tensors, params
    case meanSQNRDB = "mean_sqnr_db"
    case weightedSQNRDB = "weighted_sqnr_db"
    case bitsPerWeight = "bpw"
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(format, forKey: .format)
    try container.encode(meanSQNRDB, forKey: .meanSQNRDB)
    try container.encode(weightedSQNRDB, forKey: .weightedSQNRDB)
    try container.encode(wins, forKey: .wins)
    try container.encode(worst, forKey: .worst)
    try container.encode(tensors, forKey: .tensors)
    try container.encode(params, forKey: .params)
    try container.encode(bitsPerWeight, forKey: .bitsPerWeight)
  }

  /// Summarises `rows` per format, formats in first-appearance order. Rows without an SQNR
  /// (e.g. all-zero tensors) count toward neither the means, the wins nor the worst.
  public static func summarize(_ rows: [ReportRow]) -> [FormatSummary] {
    let tally = SQNRTally(rows)
    return tally.formats.map { format in
      let entry = tally.entries[format]!
      return FormatSummary(
        format: format, meanSQNRDB: entry.mean, wins: entry.wins, worst: entry.worst?.name, tensors: entry.tensors,
        params: entry.params, weightedSQNRDB: entry.weightedMean, bitsPerWeight: entry.bitsPerWeight)
    }
  }
}

/// Sums over rows per format: the one rule for means, weighted means and wins that the model
/// summary, `by_layer_type` and the explorer's overview share.
public struct SQNRTally: Sendable {
  public struct Entry: Sendable {
    public var tensors = 0
    public var params = 0
    var sum = 0.0
    var weightedSum = 0.0
    public var wins = 0
    public var worst: (name: String, sqnr: Double)?
    var bitsTimesCount = 0.0
    var bitsCount = 0

    public var mean: Double? { tensors > 0 ? sum / Double(tensors) : nil }
    public var weightedMean: Double? { params > 0 ? weightedSum / Double(params) : nil }
    public var bitsPerWeight: Double? { bitsCount > 0 ? bitsTimesCount / Double(bitsCount) : nil }
  }

  /// Formats in first-appearance order.
  public private(set) var formats: [String] = []
  public private(set) var entries: [String: Entry] = [:]

  public init(_ rows: [ReportRow]) {
    var bestByTensor: [String: (sqnr: Double, formats: [String])] = [:]
    var tensorOrder: [String] = []
    for row in rows {
      if entries[row.format] == nil {
        formats.append(row.format)
        entries[row.format] = Entry()
      }
      if let bits = row.bitsPerWeight {
        entries[row.format]!.bitsTimesCount += bits * Double(row.count)
        entries[row.format]!.bitsCount += row.count
      }
      guard let sqnr = row.sqnrDB else { continue }
      var entry = entries[row.format]!
      entry.sum += sqnr
      entry.weightedSum += sqnr * Double(row.count)
      entry.tensors += 1
      entry.params += row.count
      if entry.worst == nil || sqnr < entry.worst!.sqnr { entry.worst = (row.name, sqnr) }
      entries[row.format] = entry
      switch bestByTensor[row.name] {
      case nil:
        tensorOrder.append(row.name)
        bestByTensor[row.name] = (sqnr, [row.format])
      case let best? where sqnr > best.sqnr:
        bestByTensor[row.name] = (sqnr, [row.format])
      case let best? where sqnr == best.sqnr:
        bestByTensor[row.name] = (sqnr, best.formats + [row.format])
      default:
        break
      }
    }
    // A tie gives every tied format the win: the summary should not depend on format order.
    for name in tensorOrder { for format in bestByTensor[name]!.formats { entries[format]!.wins += 1 } }
  }
}
