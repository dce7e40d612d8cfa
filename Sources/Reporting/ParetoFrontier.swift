import Formats

/// The paper's quality-against-cost figure for a model: each format a point (x = a cost, y = a
/// model quality), and which points no other point beats on both (the Pareto frontier).
public struct ParetoFrontier: Codable, Equatable, Sendable {
  public typealias Cost = ParetoCost
  public typealias Quality = ParetoQuality

  public struct Point: Codable, Equatable, Sendable {
    public var format: String
    public var x: Double
    public var y: Double
    public var onFrontier: Bool

    enum CodingKeys: String, CodingKey {
      case format, x, y
      case onFrontier = "on_frontier"
    }
  }

  public var x: Cost
  public var y: Quality
  /// Formats with both a cost and a quality, in summary order.
  public var points: [Point]
  /// Formats listed without a point: no cost in the costs table, or no SQNR.
  public var withoutCost: [String]

  enum CodingKeys: String, CodingKey {
    case x, y, points
    case withoutCost = "without_cost"
  }

  /// The frontier over `summary`'s formats.
  public init(summary: [FormatSummary], costs: HardwareCostTable, x: Cost, y: Quality) {
    self.x = x
    self.y = y
    var points: [Point] = []
    var without: [String] = []
    for entry in summary {
      let cost: Double? =
        switch x {
        case .area: costs.cost(for: entry.format)?.area
        case .power: costs.cost(for: entry.format)?.power
        case .bpw: entry.bitsPerWeight
        }
      let quality = y == .meanSQNR ? entry.meanSQNRDB : entry.weightedSQNRDB
      guard let cost, let quality else {
        without.append(entry.format)
        continue
      }
      points.append(Point(format: entry.format, x: cost, y: quality, onFrontier: false))
    }
    let onFrontier = Self.frontier(points.map { ($0.x, $0.y) })
    for index in points.indices { points[index].onFrontier = onFrontier[index] }
    self.points = points
    self.withoutCost = without
  }

  /// Whether each (cost, quality) point is on the frontier: no other point costs no more and
  /// gives at least as much quality, better in one of the two. Equal points are both on it.
  public static func frontier(_ points: [(cost: Double, quality: Double)]) -> [Bool] {
    points.map { point in
      !points.contains { other in
        other.cost <= point.cost && other.quality >= point.quality
          && (other.cost < point.cost || other.quality > point.quality)
      }
    }
  }
}
