import RealModule

/// Student's t distribution with `nu` degrees of freedom, shifted by `loc` and scaled by `scale`.
///
/// Any real ν > 0 works, including ν < 1 (heavier tails than Cauchy) and ν = +∞ (the normal).
public struct StudentT: ContinuousDistribution, Hashable {
  public let nu: Double
  public let loc: Double
  public let scale: Double

  /// The least ν tscope works with: a fit stops there (`StudentTFitter.nuRange`), and so does
  /// `sf4@ν`, since below about 0.04 the quantiles spread so far that SF's inner levels tie.
  public static let leastNu = 0.05

  public init(nu: Double, loc: Double = 0, scale: Double = 1) {
    self.nu = nu
    self.loc = loc
    self.scale = scale
  }

  /// Beyond this ν the t distribution equals the normal to double precision
  /// (the first correction is O(1/ν)).
  static let normalLimit = 1e17

  private var isValid: Bool { nu > 0 && scale > 0 && scale.isFinite }

  /// ln Γ((ν+1)/2) − ln Γ(ν/2) − ½ ln(νπ): the log normalizer of the standard t.
  public static func logNormalizer(nu: Double) -> Double {
    if nu >= normalLimit { return -Normal.logSqrtTwoPi }
    return SpecialFunctions.logGammaHalfStepRatio(0.5 * nu) - 0.5 * Double.log(nu * Double.pi)
  }

  public func logPDF(_ x: Double) -> Double {
    guard isValid else { return .nan }
    let z = (x - loc) / scale
    if nu >= StudentT.normalLimit { return Normal(loc: loc, scale: scale).logPDF(x) }
    return StudentT.logNormalizer(nu: nu) - Double.log(scale) - 0.5 * (nu + 1) * Double.log(onePlus: z * z / nu)
  }

  /// F(x) = ½·I_{ν/(ν+z²)}(ν/2, ½) in the lower tail, 1 − that in the upper.
  public func cdf(_ x: Double) -> Double {
    guard isValid, !x.isNaN else { return .nan }
    if nu >= StudentT.normalLimit { return Normal(loc: loc, scale: scale).cdf(x) }
    let z = (x - loc) / scale
    if z == 0 { return 0.5 }
    if z.isInfinite { return z > 0 ? 1 : 0 }
    let zSquared = z * z
    let pair: ProbabilityPair
    if zSquared < nu {
      pair = SpecialFunctions.incompleteBetaPair(
        x: nu / (nu + zSquared), complement: zSquared / (nu + zSquared), a: 0.5 * nu, b: 0.5)
    } else {
      // Divide through by z² so huge |z| cannot overflow.
      let ratio = nu / zSquared
      pair = SpecialFunctions.incompleteBetaPair(
        x: ratio / (1 + ratio), complement: 1 / (1 + ratio), a: 0.5 * nu, b: 0.5)
    }
    let tail = 0.5 * pair.lower
    return z < 0 ? tail : 1 - tail
  }

  /// F⁻¹(p) by the inverse incomplete beta function: with q = min(p, 1 − p) (both exact in
  /// floating point), x = I⁻¹(2q; ν/2, ½) = ν/(ν+t²) and 1 − x = t²/(ν+t²), so t = √ν·√(1−x)/√x.
  public func quantile(_ p: Double) -> Double {
    guard isValid, !p.isNaN, p >= 0, p <= 1 else { return .nan }
    if nu >= StudentT.normalLimit { return Normal(loc: loc, scale: scale).quantile(p) }
    if p == 0 { return -.infinity }
    if p == 1 { return .infinity }
    if p == 0.5 { return loc }
    let tail = min(p, 1 - p)
    let root = SpecialFunctions.inverseIncompleteBetaPair(p: 2 * tail, complement: 1 - 2 * tail, a: 0.5 * nu, b: 0.5)
    let t = nu.squareRoot() * root.complement.squareRoot() / root.x.squareRoot()
    return p < 0.5 ? loc - scale * t : loc + scale * t
  }
}
