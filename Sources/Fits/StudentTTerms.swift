import Distributions
import RealModule

/// The sums over elements that give Student's t mean log-likelihood, its gradient and its Hessian
/// at given (ν, loc, scale). With z = (x − loc)/scale and q = ν/(ν + z²):
/// Σ ln(1 + z²/ν), Σq, Σq², Σzq, Σzq² and the count.
struct StudentTTerms: Sendable {
  var count = 0
  /// Σ ln(1 + z²/ν).
  var sumLog = 0.0
  var sumQ = 0.0
  var sumQSquared = 0.0
  var sumZQ = 0.0
  var sumZQSquared = 0.0

  mutating func add(_ other: StudentTTerms) {
    count += other.count
    sumLog += other.sumLog
    sumQ += other.sumQ
    sumQSquared += other.sumQSquared
    sumZQ += other.sumZQ
    sumZQSquared += other.sumZQSquared
  }
}

/// Parameters of Student's t, with the (log ν, loc, log scale) coordinates the optimizer uses.
public struct StudentTParameters: Sendable, Hashable {
  public var nu: Double
  public var loc: Double
  public var scale: Double

  public init(nu: Double, loc: Double, scale: Double) {
    self.nu = nu
    self.loc = loc
    self.scale = scale
  }

  /// Adds the terms of every value in `values` (all finite), with or without the derivative sums.
  ///
  /// Σ ln(1 + z²/ν) is taken without one `log` per element: the factors 1 + z²/ν go into four
  /// running products (four, so consecutive multiplies do not wait on each other) whose binary
  /// exponents move into an integer after every 8 groups of four. A factor is at most 1e30 (else
  /// the whole call is redone with one `log` per element, which only wild outliers trigger), so
  /// 8 factors cannot overflow a product that starts below 2. Each multiply rounds by at most
  /// 2⁻⁵³ relative, so after n factors the sum is off by at most n·1.1e-16.
  func accumulate(_ values: UnsafeBufferPointer<Double>, into terms: inout StudentTTerms, derivatives: Bool) {
    let inverseScale = 1 / scale
    let inverseNu = 1 / nu
    let limit = SIMD4<Double>(repeating: 1e30)
    var products = SIMD4<Double>(repeating: 1)
    var exponents = 0
    var overflow = SIMD4<Double>.zero
    var sumQ = SIMD4<Double>.zero
    var sumQSquared = SIMD4<Double>.zero
    var sumZQ = SIMD4<Double>.zero
    var sumZQSquared = SIMD4<Double>.zero
    let groups = values.count / 4
    var group = 0
    while group < groups {
      let blockEnd = min(group + 8, groups)
      while group < blockEnd {
        let base = group * 4
        // base + 3 < 4·groups ≤ values.count: in bounds.
        let x = SIMD4(values[base], values[base + 1], values[base + 2], values[base + 3])
        let z = (x - loc) * inverseScale
        let factor = 1 + z * z * inverseNu
        let clamped = pointwiseMin(factor, limit)
        overflow += factor - clamped
        products *= clamped
        if derivatives {
          let q = 1 / factor
          let zq = z * q
          sumQ += q
          sumQSquared += q * q
          sumZQ += zq
          sumZQSquared += zq * q
        }
        group += 1
      }
      for lane in 0..<4 {
        exponents += Int(products[lane].exponent)
        products[lane] = products[lane].significand
      }
    }
    var logSum = Double(exponents) * 0.693_147_180_559_945_309_42
    for lane in 0..<4 { logSum += Double.log(products[lane]) }
    if overflow.sum() != 0 {
      // Rare: some factor above 1e30. Recompute the groups' log sum one log at a time.
      logSum = 0
      for index in 0..<(groups * 4) {
        let z = (values[index] - loc) * inverseScale
        logSum += Double.log(onePlus: z * z * inverseNu)
      }
    }
    for index in (groups * 4)..<values.count {
      let z = (values[index] - loc) * inverseScale
      let factor = 1 + z * z * inverseNu
      logSum += Double.log(onePlus: z * z * inverseNu)
      if derivatives {
        let q = 1 / factor
        sumQ[0] += q
        sumQSquared[0] += q * q
        sumZQ[0] += z * q
        sumZQSquared[0] += z * q * q
      }
    }
    terms.count += values.count
    terms.sumLog += logSum
    terms.sumQ += sumQ.sum()
    terms.sumQSquared += sumQSquared.sum()
    terms.sumZQ += sumZQ.sum()
    terms.sumZQSquared += sumZQSquared.sum()
  }

  /// The mean log-likelihood per element from `terms` gathered at these parameters.
  func meanLogLikelihood(_ terms: StudentTTerms) -> Double {
    guard terms.count > 0 else { return .nan }
    let meanLog = terms.sumLog / Double(terms.count)
    return StudentT.logNormalizer(nu: nu) - Double.log(scale) - 0.5 * (nu + 1) * meanLog
  }
}

/// c(ν) = ln Γ((ν+1)/2) − ln Γ(ν/2) − ½ ln(νπ) and its first two derivatives in ν. For large ν
/// the digamma differences cancel, so the expansion c(ν) = −½ ln 2π − 1/(4ν) + 1/(24ν³) + O(ν⁻⁵)
/// is differentiated instead.
enum StudentTNormalizer {
  static func firstDerivative(nu: Double) -> Double {
    if nu >= 1e4 { return 1 / (4 * nu * nu) - 1 / (8 * nu * nu * nu * nu) }
    return 0.5 * (SpecialFunctions.digamma(0.5 * (nu + 1)) - SpecialFunctions.digamma(0.5 * nu)) - 0.5 / nu
  }

  static func secondDerivative(nu: Double) -> Double {
    if nu >= 1e4 { return -1 / (2 * nu * nu * nu) + 1 / (2 * nu * nu * nu * nu * nu) }
    return 0.25 * (SpecialFunctions.trigamma(0.5 * (nu + 1)) - SpecialFunctions.trigamma(0.5 * nu)) + 0.5 / (nu * nu)
  }
}
