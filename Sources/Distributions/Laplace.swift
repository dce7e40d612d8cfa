import RealModule

/// The Laplace distribution: density exp(−|x − loc|/scale) / (2·scale).
public struct Laplace: ContinuousDistribution, Hashable {
  public let loc: Double
  public let scale: Double

  public init(loc: Double = 0, scale: Double = 1) {
    self.loc = loc
    self.scale = scale
  }

  public func logPDF(_ x: Double) -> Double {
    guard scale > 0, scale.isFinite else { return .nan }
    return -abs(x - loc) / scale - Double.log(2 * scale)
  }

  public func cdf(_ x: Double) -> Double {
    guard scale > 0, scale.isFinite, !x.isNaN else { return .nan }
    let z = (x - loc) / scale
    return z < 0 ? 0.5 * Double.exp(z) : 1 - 0.5 * Double.exp(-z)
  }

  public func quantile(_ p: Double) -> Double {
    guard scale > 0, scale.isFinite, !p.isNaN, p >= 0, p <= 1 else { return .nan }
    if p < 0.5 { return loc + scale * Double.log(2 * p) }
    return loc - scale * Double.log(2 * (1 - p))
  }
}
