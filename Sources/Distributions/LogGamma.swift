import RealModule

/// Special functions: the gamma family and the regularized incomplete beta function.
///
/// Everything here is `Double` and total: arguments outside the domain give NaN (or ±infinity
/// where the limit is one), never a trap, so callers at the command line need no extra checks.
public enum SpecialFunctions {
  /// ln Γ(x), from swift-numerics (the C library's `lgamma`).
  public static func logGamma(_ x: Double) -> Double { Double.logGamma(x) }

  /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0.
  ///
  /// Summing three `logGamma`s cancels badly when a or b is large (ν = 10⁶ gives terms near 10⁷
  /// whose difference is small), so large arguments use Stirling's series for the remainders,
  /// the way R's `lbeta` does.
  public static func logBeta(_ a: Double, _ b: Double) -> Double {
    if a.isNaN || b.isNaN { return .nan }
    let p = min(a, b)
    let q = max(a, b)
    if p < 0 { return .nan }
    if p == 0 { return .infinity }
    if q == .infinity { return -.infinity }
    let logSqrtTwoPi = 0.918_938_533_204_672_741_78
    if p >= 10 {
      let correction = stirlingRemainder(p) + stirlingRemainder(q) - stirlingRemainder(p + q)
      return -0.5 * Double.log(q) + logSqrtTwoPi + correction + (p - 0.5) * Double.log(p / (p + q))
        + q * Double.log(onePlus: -p / (p + q))
    }
    if q >= 10 {
      let correction = stirlingRemainder(q) - stirlingRemainder(p + q)
      return logGamma(p) + correction + p - p * Double.log(p + q) + (q - 0.5) * Double.log(onePlus: -p / (p + q))
    }
    return logGamma(p) + logGamma(q) - logGamma(p + q)
  }

  /// ln Γ(x + ½) − ln Γ(x) for x > 0, accurate also for huge x (Student's t normalizer at large ν).
  public static func logGammaHalfStepRatio(_ x: Double) -> Double {
    if x.isNaN || x <= 0 { return .nan }
    if x < 10 { return logGamma(x + 0.5) - logGamma(x) }
    if x == .infinity { return .infinity }
    // ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + r(x): the leading terms of the difference are
    // x ln(1 + 1/(2x)) + ½ ln x − ½, with x ln(1 + 1/(2x)) − ½ computed without cancellation.
    let u = 0.5 / x
    let xLogTerm = x * (Double.log(onePlus: u) - u)  // = x·ln(1+u) − ½, since x·u = ½
    return xLogTerm + 0.5 * Double.log(x) + stirlingRemainder(x + 0.5) - stirlingRemainder(x)
  }

  /// r(x) = ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π] for x ≥ 10, by Stirling's series
  /// (the terms after the eighth are below 1e-17 there).
  static func stirlingRemainder(_ x: Double) -> Double {
    if x == .infinity { return 0 }
    let inverse = 1 / x
    let inverseSquared = inverse * inverse
    // Bernoulli coefficients B₂ₖ / (2k(2k−1)), k = 1…8.
    let coefficients: [Double] = [
      1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360_360, 1.0 / 156, -3617.0 / 122_400,
    ]
    var sum = 0.0
    for coefficient in coefficients.reversed() { sum = sum * inverseSquared + coefficient }
    return sum * inverse
  }
}
