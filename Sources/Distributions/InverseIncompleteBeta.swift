import RealModule

/// A point of the unit interval and its complement, each to full relative precision.
public struct UnitIntervalPair: Sendable, Hashable {
  public let x: Double
  public let complement: Double
}

extension SpecialFunctions {
  /// The x in [0, 1] with I_x(a, b) = p, for a, b > 0 (accurate to about 1e-14 relative).
  public static func inverseRegularizedIncompleteBeta(_ p: Double, a: Double, b: Double) -> Double {
    inverseIncompleteBetaPair(p: p, complement: 1 - p, a: a, b: b).x
  }

  /// x and 1 − x with I_x(a, b) = p, where `complement` is 1 − p computed without cancellation.
  ///
  /// The unknown is taken as v = min(x, 1 − x) ≤ ½ (which side is known from I_{½}(a, b)), and
  /// matched against the smaller of p and 1 − p, so neither a tiny probability nor a root near 1
  /// loses digits. It is found in u = ln v: Newton steps on ln P(eᵘ) − ln target, which is nearly
  /// linear in u for small v, kept inside a shrinking bracket and replaced by bisection whenever a
  /// step would leave it. This reaches roots down to the smallest subnormals.
  public static func inverseIncompleteBetaPair(p: Double, complement q: Double, a: Double, b: Double)
    -> UnitIntervalPair
  {
    if p.isNaN || q.isNaN || !(a > 0) || !(b > 0) || p < 0 || q < 0 || !a.isFinite || !b.isFinite {
      return UnitIntervalPair(x: .nan, complement: .nan)
    }
    if p == 0 { return UnitIntervalPair(x: 0, complement: 1) }
    if q == 0 { return UnitIntervalPair(x: 1, complement: 0) }
    let rootBelowHalf = p <= incompleteBetaPair(x: 0.5, complement: 0.5, a: a, b: b).lower
    let matchLower = p <= q
    let target = matchLower ? p : q
    let logTarget = Double.log(target)
    let logBetaAB = logBeta(a, b)
    // P rises with v when v = x and P = I, or v = 1 − x and P = 1 − I.
    let rising = rootBelowHalf == matchLower
    func point(_ v: Double) -> UnitIntervalPair {
      rootBelowHalf ? UnitIntervalPair(x: v, complement: 1 - v) : UnitIntervalPair(x: 1 - v, complement: v)
    }
    var low = Double.log(Double.leastNonzeroMagnitude)
    var high = -Double.log(2.0)
    // For small x, I ≈ xᵃ/(a·B(a,b)); for small 1 − x, 1 − I ≈ (1−x)ᵇ/(b·B(a,b)).
    var u = -Double.log(4.0)
    if rising {
      let power = rootBelowHalf ? a : b
      u = min(high, max(low, (logTarget + Double.log(power) + logBetaAB) / power))
    }
    for _ in 0..<400 {
      let current = point(Double.exp(u))
      let pair = incompleteBetaPair(x: current.x, complement: current.complement, a: a, b: b)
      let probability = matchLower ? pair.lower : pair.upper
      guard probability > 0 else {
        if rising { low = u } else { high = u }
        u = 0.5 * (low + high)
        continue
      }
      let residual = Double.log(probability) - logTarget
      if residual == 0 { return current }
      if (residual < 0) == rising { low = u } else { high = u }
      // |d ln P / du| = v · density(x) / P.
      let logSlope =
        u + (a - 1) * Double.log(current.x) + (b - 1) * Double.log(current.complement) - logBetaAB
        - Double.log(probability)
      let slope = rising ? Double.exp(logSlope) : -Double.exp(logSlope)
      var next = u - residual / slope
      if !(next > low && next < high) { next = 0.5 * (low + high) }
      if abs(next - u) <= 1e-15 * max(1, abs(u)) || high - low <= 1e-15 * max(1, abs(u)) {
        return point(Double.exp(next))
      }
      u = next
    }
    return point(Double.exp(u))
  }
}
