/// The per-format summary of a report: mean SQNR over tensors, how many tensors each format wins
/// (highest SQNR among the report's formats), and the tensor where it does worst.
public struct FormatSummary: Codable, Equatable, Sendable {
  public var format: String
  public var meanSQNRDB: Double?
  public var wins: Int
  public var worst: String?

  enum CodingKeys: String, CodingKey {
    case format, wins, worst
    case meanSQNRDB = "mean_sqnr_db"
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(format, forKey: .format)
    try container.encode(meanSQNRDB, forKey: .meanSQNRDB)
    try container.encode(wins, forKey: .wins)
    try container.encode(worst, forKey: .worst)
  }

  /// Summarises `rows` per format, formats in first-appearance order. Rows without an SQNR
  /// (e.g. all-zero tensors) count toward neither the mean, the wins nor the worst.
  public static func summarize(_ rows: [ReportRow]) -> [FormatSummary] {
    var formats: [String] = []
    var sums: [String: (total: Double, tensors: Int, worst: (name: String, sqnr: Double)?)] = [:]
    var bestByTensor: [String: (sqnr: Double, formats: [String])] = [:]
    var tensorOrder: [String] = []
    for row in rows {
      if sums[row.format] == nil {
        formats.append(row.format)
        sums[row.format] = (0, 0, nil)
      }
      guard let sqnr = row.sqnrDB else { continue }
      var entry = sums[row.format]!
      entry.total += sqnr
      entry.tensors += 1
      if entry.worst == nil || sqnr < entry.worst!.sqnr { entry.worst = (row.name, sqnr) }
      sums[row.format] = entry
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
    var wins: [String: Int] = [:]
    // A tie gives every tied format the win: the summary should not depend on format order.
    for name in tensorOrder { for format in bestByTensor[name]!.formats { wins[format, default: 0] += 1 } }
    return formats.map { format in
      let entry = sums[format]!
      return FormatSummary(
        format: format,
        meanSQNRDB: entry.tensors > 0 ? entry.total / Double(entry.tensors) : nil,
        wins: wins[format, default: 0],
        worst: entry.worst?.name)
    }
  }
}
