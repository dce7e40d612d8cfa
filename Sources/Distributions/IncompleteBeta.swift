import RealModule

/// A probability and its complement, each to full relative precision
/// (1 − p computed as a subtraction would lose the small one).
public struct ProbabilityPair: Sendable, Hashable {
  public let lower: Double
  public let upper: Double
}

extension SpecialFunctions {
  /// The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1.
  public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
    incompleteBetaPair(x: x, complement: 1 - x, a: a, b: b).lower
  }

  /// I_x(a, b) and 1 − I_x(a, b), where the caller passes `complement` = 1 − x computed without
  /// cancellation (Student's t passes ν/(ν+t²) and t²/(ν+t²)).
  ///
  /// The continued fraction of Numerical Recipes (`betacf`, modified Lentz), evaluated on the side
  /// where it converges fast — x below (a + 1)/(a + b + 2) — and mapped by I_x(a,b) = 1 − I_{1−x}(b,a)
  /// otherwise. The prefactor xᵃ(1−x)ᵇ/B(a,b) is formed in logs with the cancellation-free `logBeta`.
  public static func incompleteBetaPair(x: Double, complement y: Double, a: Double, b: Double) -> ProbabilityPair {
    if x.isNaN || y.isNaN || a.isNaN || b.isNaN || !(a > 0) || !(b > 0) || x < 0 || y < 0 {
      return ProbabilityPair(lower: .nan, upper: .nan)
    }
    if x == 0 { return ProbabilityPair(lower: 0, upper: 1) }
    if y == 0 { return ProbabilityPair(lower: 1, upper: 0) }
    if a == .infinity || b == .infinity { return ProbabilityPair(lower: .nan, upper: .nan) }
    let logFront = a * Double.log(x) + b * Double.log(y) - logBeta(a, b)
    if x * (a + b + 2) < a + 1 {
      let lower = Double.exp(logFront) * betaContinuedFraction(x: x, a: a, b: b) / a
      return ProbabilityPair(lower: lower, upper: 1 - lower)
    }
    let upper = Double.exp(logFront) * betaContinuedFraction(x: y, a: b, b: a) / b
    return ProbabilityPair(lower: 1 - upper, upper: upper)
  }

  /// The continued fraction for I_x(a,b)·a / prefactor; converges in O(√max(a,b)) terms
  /// for x < (a+1)/(a+b+2).
  static func betaContinuedFraction(x: Double, a: Double, b: Double) -> Double {
    let tiny = 1e-300
    let epsilon = 1e-16
    let sum = a + b
    let aPlusOne = a + 1
    let aMinusOne = a - 1
    var c = 1.0
    var d = 1 - sum * x / aPlusOne
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    // The iteration count grows like √max(a,b); the cap covers ν up to about 10¹⁰.
    for step in 1...200_000 {
      let m = Double(step)
      let twoM = 2 * m
      var coefficient = m * (b - m) * x / ((aMinusOne + twoM) * (a + twoM))
      d = 1 + coefficient * d
      if abs(d) < tiny { d = tiny }
      c = 1 + coefficient / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      h *= d * c
      coefficient = -(a + m) * (sum + m) * x / ((a + twoM) * (aPlusOne + twoM))
      d = 1 + coefficient * d
      if abs(d) < tiny { d = tiny }
      c = 1 + coefficient / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) <= epsilon { break }
    }
    return h
  }
}
