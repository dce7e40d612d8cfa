/// Counts of values in equal-width bins over `[low, high)`; out-of-range values are clamped
/// into the end bins, non-finite ones skipped.
public struct Histogram: Hashable, Sendable {
  public let low: Double
  public let high: Double
  public private(set) var counts: [Double]

  public init(low: Double, high: Double, counts: [Double]) {
    self.low = low
    self.high = high
    self.counts = counts
  }

  /// Bins `values` into `bins` bins over `[low, high)`.
  public init<C: Collection>(_ values: C, low: Double, high: Double, bins: Int) where C.Element == Float {
    let span = high > low ? high - low : 1
    var counts = [Double](repeating: 0, count: max(bins, 1))
    let last = counts.count - 1
    let perUnit = Double(counts.count) / span
    for value in values where value.isFinite {
      let position = Int(((Double(value) - low) * perUnit).rounded(.down))
      counts[min(max(position, 0), last)] += 1
    }
    self.init(low: low, high: span == 1 && high <= low ? low + 1 : high, counts: counts)
  }

  public var binWidth: Double { (high - low) / Double(max(counts.count, 1)) }
  public var total: Double { counts.reduce(0, +) }

  /// The counts re-binned into `bins` bins over `[low, high)` (a zoomed window of this one);
  /// each source bin adds to the target bin holding its centre.
  public func rebinned(low newLow: Double, high newHigh: Double, bins: Int) -> Histogram {
    var result = [Double](repeating: 0, count: max(bins, 1))
    let span = newHigh - newLow
    guard span > 0 else { return Histogram(low: newLow, high: newHigh, counts: result) }
    let width = binWidth
    for (index, count) in counts.enumerated() where count > 0 {
      let centre = low + (Double(index) + 0.5) * width
      guard centre >= newLow && centre < newHigh else { continue }
      let target = Int((centre - newLow) / span * Double(result.count))
      result[min(max(target, 0), result.count - 1)] += count
    }
    return Histogram(low: newLow, high: newHigh, counts: result)
  }
}
