import RealModule

extension SpecialFunctions {
  /// ψ(x) = d/dx ln Γ(x). Poles (x = 0, −1, −2, …) give NaN.
  ///
  /// Recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic series; reflection
  /// ψ(1 − x) − π / tan(πx) for negative x.
  public static func digamma(_ x: Double) -> Double {
    if x.isNaN || x == -.infinity { return .nan }
    if x == .infinity { return .infinity }
    if x <= 0 {
      if x == x.rounded(.down) { return .nan }
      return digamma(1 - x) - Double.pi / Double.tan(Double.pi * x)
    }
    var shifted = x
    var result = 0.0
    while shifted < 10 {
      result -= 1 / shifted
      shifted += 1
    }
    let inverseSquared = 1 / (shifted * shifted)
    // B₂ₖ / (2k), k = 1…7.
    let coefficients: [Double] = [1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32760, 1.0 / 12]
    var series = 0.0
    for coefficient in coefficients.reversed() { series = series * inverseSquared + coefficient }
    return result + Double.log(shifted) - 0.5 / shifted - series * inverseSquared
  }

  /// ψ₁(x) = d²/dx² ln Γ(x). Poles give NaN.
  public static func trigamma(_ x: Double) -> Double {
    if x.isNaN || x == -.infinity { return .nan }
    if x == .infinity { return 0 }
    if x <= 0 {
      if x == x.rounded(.down) { return .nan }
      let sine = Double.sin(Double.pi * x)
      return -trigamma(1 - x) + Double.pi * Double.pi / (sine * sine)
    }
    var shifted = x
    var result = 0.0
    while shifted < 10 {
      result += 1 / (shifted * shifted)
      shifted += 1
    }
    let inverse = 1 / shifted
    let inverseSquared = inverse * inverse
    // ψ₁(x) ~ 1/x + 1/(2x²) + Σ B₂ₖ / x^(2k+1), k = 1…7.
    let coefficients: [Double] = [1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6]
    var series = 0.0
    for coefficient in coefficients.reversed() { series = series * inverseSquared + coefficient }
    return result + inverse + 0.5 * inverseSquared + series * inverseSquared * inverse
  }
}
