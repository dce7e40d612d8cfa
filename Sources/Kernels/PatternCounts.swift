import TensorIO

/// How many times each 16-bit pattern occurs in an F16 or BF16 tensor (Fits' `SixteenBitCounts`
/// counts them in one read).
///
/// Such a tensor has at most 65,536 distinct values, so the counts answer the explorer's load
/// exactly (the finite count, the range, the value histogram), where decoding every element to
/// Float32 cost a pass for each.
public struct PatternCounts: Sendable {
  public static let patternCount = SixteenBitPatterns.count
  /// F16 or BF16.
  public let dtype: DType
  /// `counts[p]`: the elements whose bits are `p`.
  public let counts: [Int]
  /// `values[p]`: the value pattern `p` stands for (TensorIO's `SixteenBitPatterns`).
  private let values: [Float]

  /// `counts` must hold one count per pattern (`patternCount`).
  public init(dtype: DType, counts: [Int]) {
    precondition(dtype == .bf16 || dtype == .f16, "pattern counts are of F16 or BF16 tensors")
    precondition(counts.count == Self.patternCount)
    self.dtype = dtype
    self.counts = counts
    values = SixteenBitPatterns.values(of: dtype)
  }

  /// The finite count and the least and greatest finite values.
  public var range: ValueRange {
    var finite = 0
    var low = Float.infinity
    var high = -Float.infinity
    for pattern in 0..<Self.patternCount where counts[pattern] > 0 {
      let value = values[pattern]
      guard value.isFinite else { continue }
      finite += counts[pattern]
      low = min(low, value)
      high = max(high, value)
    }
    return finite > 0
      ? ValueRange(finiteCount: finite, minimum: Double(low), maximum: Double(high))
      : ValueRange(finiteCount: 0, minimum: 0, maximum: 0)
  }

  /// The histogram `Histogram.values` makes of the tensor, bin for bin: the same bin of each
  /// value (tk_histogram's arithmetic), weighted by its count.
  public func histogram(range: ClosedRange<Double>, bins: Int) -> Histogram {
    let bins = max(bins, 1)
    var binCounts = [Int](repeating: 0, count: bins)
    let low = range.lowerBound
    let high = range.upperBound
    if high > low {
      let perUnit = Double(bins) / (high - low)
      for pattern in 0..<Self.patternCount where counts[pattern] > 0 {
        let value = values[pattern]
        guard value.isFinite else { continue }
        let position = (Double(value) - low) * perUnit
        let bin = position < 0 ? 0 : min(position, Double(bins - 1)).rounded(.towardZero)
        binCounts[Int(bin)] += counts[pattern]
      }
    }
    return Histogram(lower: low, upper: high, counts: binCounts)
  }
}
