import Distributions
import Parallel
import RealModule
import TensorIO

extension TensorFits {
  /// The fit of a BF16 or F16 tensor from one pass: the count of each of its (at most 65,536)
  /// bit patterns. Every statistic is then exact over all finite elements: the moments, the
  /// median and mean absolute deviation (walking the values in order), the t optimization (each
  /// evaluation a sum over the distinct values, weighted by their counts, so the optimizer sees
  /// every element) and the Kolmogorov–Smirnov distances (the empirical cdf is a step at each
  /// distinct value).
  static func fitSixteenBit(
    _ tensor: Tensor, patternCounts counted: [Int]? = nil, isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> FitReport {
    let patternCounts: [Int]
    if let counted {
      patternCounts = counted
    } else {
      patternCounts = try SixteenBitCounts.count(tensor, isCancelled: isCancelled)
    }
    precondition(patternCounts.count == SixteenBitCounts.patternCount)
    let data = DistinctValues(
      patternCounts: patternCounts, patternValues: SixteenBitPatterns.values(of: tensor.info.dtype))
    let n = data.total
    guard n > 0 else { return unfitted(tensor, finiteCount: 0, reason: "no finite elements") }
    let mean = data.mean
    let std = data.meanSquaredDeviation(from: mean).squareRoot()
    guard n > 1, std > 0, std.isFinite, mean.isFinite else {
      return unfitted(
        tensor, finiteCount: n, mean: mean.isFinite ? mean : nil, std: std.isFinite ? std : nil,
        reason: n == 1 ? "only one finite element: nothing to fit" : "all finite elements are equal")
    }
    let median = data.median
    if isCancelled() { throw Cancelled() }
    let tFit = StudentTFitter.fit(data)
    return assemble(
      tensor, finiteCount: n, mean: mean, std: std, median: median,
      meanAbsoluteDeviation: data.meanAbsoluteDeviation(from: median), t: tFit, fitElements: n, ksElements: n,
      spreadAwayFromTies: data.spreadAwayFromTies,
      ks: { kolmogorovSmirnovDistance(values: data.values, counts: data.counts, $0) })
  }
}
