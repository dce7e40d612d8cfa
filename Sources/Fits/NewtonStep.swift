import RealModule

/// One Newton step for Student's t mean log-likelihood in θ = (ln ν, loc, ln scale),
/// from the sums gathered at the current parameters.
struct StudentTNewton {
  let gradient: SIMD3<Double>
  let hessian: [SIMD3<Double>]

  /// Gradient and Hessian of the mean log-likelihood. Derivation: with A = ν + 1, r = z²/ν and
  /// q = 1/(1 + r), each element's ℓ = c(ν) − ln σ − (A/2)·ln(1 + r); differentiate in (μ, s = ln σ, ν),
  /// use rq = 1 − q, then change ν to η = ln ν (H_ηη = ν²H_νν + ν g_ν).
  init(parameters: StudentTParameters, terms: StudentTTerms) {
    let n = Double(terms.count)
    let nu = parameters.nu
    let sigma = parameters.scale
    let a = nu + 1
    let meanLog = terms.sumLog / n
    let meanQ = terms.sumQ / n
    let meanQSquared = terms.sumQSquared / n
    let meanZQ = terms.sumZQ / n
    let meanZQSquared = terms.sumZQSquared / n
    let meanRQ = 1 - meanQ
    let meanRQSquared = meanQ - meanQSquared

    let gradientMu = a * meanZQ / (nu * sigma)
    let gradientS = -1 + a * meanRQ
    let gradientNu = StudentTNormalizer.firstDerivative(nu: nu) - 0.5 * meanLog + a / (2 * nu) * meanRQ

    let muMu = a / (nu * sigma * sigma) * (meanQ - 2 * meanQSquared)
    let muS = -2 * a * meanZQSquared / (nu * sigma)
    let muNu = (meanZQ / nu - a * meanZQSquared / (nu * nu)) / sigma
    let sS = -2 * a * meanRQSquared
    let sNu = meanRQ - a * meanRQSquared / nu
    let nuNu =
      StudentTNormalizer.secondDerivative(nu: nu) + meanRQ / (2 * nu) - meanRQ / (2 * nu * nu)
      - a * meanRQSquared / (2 * nu * nu)

    gradient = SIMD3(nu * gradientNu, gradientMu, gradientS)
    let etaEta = nu * nu * nuNu + nu * gradientNu
    hessian = [
      SIMD3(etaEta, nu * muNu, nu * sNu),
      SIMD3(nu * muNu, muMu, muS),
      SIMD3(nu * sNu, muS, sS),
    ]
  }

  /// The ascent direction: solves (−H + λD)·δ = g, raising λ until −H + λD is positive definite
  /// (Levenberg–Marquardt damping keeps the step an ascent direction away from the optimum).
  func step() -> SIMD3<Double>? {
    let diagonal = SIMD3(-hessian[0][0], -hessian[1][1], -hessian[2][2])
    let scaleDiagonal = SIMD3(
      max(abs(diagonal[0]), 1e-300), max(abs(diagonal[1]), 1e-300), max(abs(diagonal[2]), 1e-300))
    var damping = 0.0
    for _ in 0..<40 {
      var matrix = hessian.map { -$0 }
      for index in 0..<3 { matrix[index][index] += damping * scaleDiagonal[index] }
      if let solution = Self.solvePositiveDefinite(matrix, gradient), solution.x.isFinite,
        solution.y.isFinite, solution.z.isFinite
      {
        return solution
      }
      damping = damping == 0 ? 1e-8 : damping * 10
    }
    return nil
  }

  /// Cholesky solve of a symmetric 3×3 system; nil when the matrix is not positive definite.
  static func solvePositiveDefinite(_ m: [SIMD3<Double>], _ b: SIMD3<Double>) -> SIMD3<Double>? {
    var lower = [SIMD3<Double>](repeating: .zero, count: 3)
    for i in 0..<3 {
      for j in 0...i {
        var sum = m[i][j]
        for k in 0..<j { sum -= lower[i][k] * lower[j][k] }
        if i == j {
          guard sum > 0 else { return nil }
          lower[i][i] = sum.squareRoot()
        } else {
          lower[i][j] = sum / lower[j][j]
        }
      }
    }
    var y = SIMD3<Double>.zero
    for i in 0..<3 {
      var sum = b[i]
      for k in 0..<i { sum -= lower[i][k] * y[k] }
      y[i] = sum / lower[i][i]
    }
    var x = SIMD3<Double>.zero
    for i in (0..<3).reversed() {
      var sum = y[i]
      for k in (i + 1)..<3 { sum -= lower[k][i] * x[k] }
      x[i] = sum / lower[i][i]
    }
    return x
  }
}
