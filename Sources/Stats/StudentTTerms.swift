import RealModule

/// Σ ln(1 + z²/ν) over many elements without one `log` per element.
///
/// The factors 1 + z²/ν are multiplied into four running products (four, so consecutive
/// multiplies do not wait on each other) whose binary exponents are moved into an integer
/// whenever a product grows large; one `log` per product at the end gives the sum. Factors too
/// large to multiply safely (z²/ν > 1e30, wild outliers) take the `log` path. Each multiply
/// rounds by at most 2⁻⁵³ relative, so after n factors the sum is off by at most n·1.1e-16.
struct LogProductSum: Sendable {
  private var products: SIMD4<Double> = .one
  private var exponents: SIMD4<Int> = .zero
  private var directLogs = 0.0

  @inline(__always)
  mutating func multiply(_ factor: Double, lane: Int) {
    if factor < 1e30 {
      products[lane] *= factor
      if products[lane] > 1e250 {
        exponents[lane] += Int(products[lane].exponent)
        products[lane] = products[lane].significand
      }
    } else {
      directLogs += Double.log(factor)
    }
  }

  mutating func add(_ other: LogProductSum) {
    for lane in 0..<4 {
      multiply(other.products[lane], lane: lane)
      exponents[lane] += other.exponents[lane]
    }
    directLogs += other.directLogs
  }

  var value: Double {
    var sum = directLogs
    for lane in 0..<4 { sum += Double.log(products[lane]) + Double(exponents[lane]) * 0.693_147_180_559_945_309_42 }
    return sum
  }
}

/// The sums over elements that give Student's t mean log-likelihood, its gradient and its Hessian
/// at given (ν, loc, scale). With z = (x − loc)/scale and q = ν/(ν + z²):
/// Σ ln(1 + z²/ν), Σq, Σq², Σzq, Σzq² and the count.
struct StudentTTerms: Sendable {
  var count = 0
  var logTerms = LogProductSum()
  var sumQ = 0.0
  var sumQSquared = 0.0
  var sumZQ = 0.0
  var sumZQSquared = 0.0

  mutating func add(_ other: StudentTTerms) {
    count += other.count
    logTerms.add(other.logTerms)
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

  /// Adds one element's terms; `lane` spreads the log products over independent multiplies.
  @inline(__always)
  func accumulate(_ x: Double, lane: Int, into terms: inout StudentTTerms, derivatives: Bool) {
    let z = (x - loc) / scale
    let zSquared = z * z
    terms.logTerms.multiply(1 + zSquared / nu, lane: lane)
    if derivatives {
      let q = nu / (nu + zSquared)
      terms.sumQ += q
      terms.sumQSquared += q * q
      terms.sumZQ += z * q
      terms.sumZQSquared += z * q * q
    }
  }

  /// The mean log-likelihood per element from `terms` gathered at these parameters.
  func meanLogLikelihood(_ terms: StudentTTerms) -> Double {
    guard terms.count > 0 else { return .nan }
    let meanLog = terms.logTerms.value / Double(terms.count)
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
