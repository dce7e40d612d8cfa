import RealModule

/// The normal distribution N(loc, scale²).
public struct Normal: ContinuousDistribution, Hashable {
  public let loc: Double
  public let scale: Double

  public init(loc: Double = 0, scale: Double = 1) {
    self.loc = loc
    self.scale = scale
  }

  static let logSqrtTwoPi = 0.918_938_533_204_672_741_78

  public func logPDF(_ x: Double) -> Double {
    guard scale > 0, scale.isFinite else { return .nan }
    let z = (x - loc) / scale
    return -0.5 * z * z - Normal.logSqrtTwoPi - Double.log(scale)
  }

  /// Φ((x − loc)/scale) = erfc(−z/√2)/2, accurate in both tails.
  public func cdf(_ x: Double) -> Double {
    guard scale > 0, scale.isFinite, !x.isNaN else { return .nan }
    return 0.5 * Double.erfc(-(x - loc) / scale * 0.5.squareRoot())
  }

  public func quantile(_ p: Double) -> Double {
    guard scale > 0, scale.isFinite else { return .nan }
    return loc + scale * Normal.standardQuantile(p)
  }

  /// Φ⁻¹(p): Acklam's rational approximation (relative error 1.2e-9), then one Halley step
  /// against `erfc`, which brings it to double precision. Upper tail by symmetry, so 1 − p is exact.
  public static func standardQuantile(_ p: Double) -> Double {
    if p.isNaN || p < 0 || p > 1 { return .nan }
    if p == 0 { return -.infinity }
    if p == 1 { return .infinity }
    if p > 0.5 { return -standardQuantile(1 - p) }
    var z = acklam(p)
    // Halley: e = Φ(z) − p, u = e / φ(z).
    let error = 0.5 * Double.erfc(-z * 0.5.squareRoot()) - p
    let u = error * Double.exp(0.5 * z * z + logSqrtTwoPi)
    z -= u / (1 + 0.5 * z * u)
    return z
  }

  /// Acklam's approximation of Φ⁻¹ on (0, ½].
  private static func acklam(_ p: Double) -> Double {
    let a = [
      -3.969_683_028_665_376e+01, 2.209_460_984_245_205e+02, -2.759_285_104_469_687e+02,
      1.383_577_518_672_690e+02, -3.066_479_806_614_716e+01, 2.506_628_277_459_239e+00,
    ]
    let b = [
      -5.447_609_879_822_406e+01, 1.615_858_368_580_409e+02, -1.556_989_798_598_866e+02,
      6.680_131_188_771_972e+01, -1.328_068_155_288_572e+01,
    ]
    let c = [
      -7.784_894_002_430_293e-03, -3.223_964_580_411_365e-01, -2.400_758_277_161_838e+00,
      -2.549_732_539_343_734e+00, 4.374_664_141_464_968e+00, 2.938_163_982_698_783e+00,
    ]
    let d = [
      7.784_695_709_041_462e-03, 3.224_671_290_700_398e-01, 2.445_134_137_142_996e+00, 3.754_408_661_907_416e+00,
    ]
    if p < 0.024_25 {
      let q = (-2 * Double.log(p)).squareRoot()
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
        / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    let q = p - 0.5
    let r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
      / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  }
}
