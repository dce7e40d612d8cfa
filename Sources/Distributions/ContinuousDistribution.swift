import RealModule

/// A continuous distribution on the real line: what the fits produce and the explorer draws.
///
/// Invalid parameters (a non-positive scale or ν) make every function return NaN rather than
/// trap, so values from the command line can be passed straight through.
public protocol ContinuousDistribution: Sendable {
  func pdf(_ x: Double) -> Double
  func logPDF(_ x: Double) -> Double
  func cdf(_ x: Double) -> Double
  /// The inverse of `cdf`: −∞ at 0, +∞ at 1.
  func quantile(_ p: Double) -> Double
}

extension ContinuousDistribution {
  public func pdf(_ x: Double) -> Double {
    let value = logPDF(x)
    return value.isNaN ? .nan : Double.exp(value)
  }
}
