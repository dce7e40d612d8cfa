import Distributions
import Testing

@testable import Formats

/// Lloyd-Max on densities against Max (1960), "Quantizing for minimum distortion", Table I.
struct LloydMaxTests {
  /// Max's 16-level quantizer of N(0, 1): the positive levels and the MSE.
  static let maxLevels = [0.1284, 0.3881, 0.6568, 0.9424, 1.2562, 1.6181, 2.0690, 2.7326]
  static let maxMSE = 0.009497

  /// Max's table: levels to his 4 decimals; his MSE to 5e-6 — the exact MSE of his levels is
  /// 0.0095010 (checked below in closed form), his printed 0.009497 is 0.04 % low.
  @Test func normalSixteenLevelsMatchMax() {
    let quantizer = LloydMax.quantizer(count: 16, distribution: Normal())
    #expect(abs(quantizer.mse - Self.maxMSE) < 5e-6)
    for (level, expected) in zip(quantizer.levels.suffix(8), Self.maxLevels) {
      #expect(abs(level - expected) < 1e-4)
    }
  }

  /// The same quantizer against closed forms: each level the centroid E[X | cell] =
  /// (φ(a) − φ(b)) / (Φ(b) − Φ(a)), and the MSE 1 − Σ P_k c_k².
  @Test func normalQuantizerSatisfiesTheClosedFormCentroidCondition() {
    let normal = Normal()
    let levels = LloydMax.quantizer(count: 16, distribution: normal).levels
    let bounds = [-Double.infinity] + zip(levels, levels.dropFirst()).map { ($0 + $1) / 2 } + [.infinity]
    var explained = 0.0
    for (index, level) in levels.enumerated() {
      let (low, high) = (bounds[index], bounds[index + 1])
      let mass = normal.cdf(high) - normal.cdf(low)
      let centroid = (normal.pdf(low) - normal.pdf(high)) / mass
      #expect(abs(level - centroid) < 1e-7)
      explained += mass * centroid * centroid
    }
    let mse = LloydMax.quantizer(count: 16, distribution: normal).mse
    #expect(abs(mse - (1 - explained)) < 1e-9)
  }

  @Test func lloydNormalIsMaxNormalizedByItsLargestLevel() throws {
    guard case .fixed(.codebook(let codebook)) = try FormatSpec.parse("lloyd@normal").kind else {
      Issue.record("lloyd@normal is a fixed codebook")
      return
    }
    let expected = Self.maxLevels.map { $0 / 2.7326 }
    #expect(codebook.values.count == 16 && codebook.values.last == 1)
    for (value, level) in zip(codebook.values.suffix(8), expected) { #expect(abs(value - level) < 1e-3) }
    for (low, high) in zip(codebook.values.prefix(8), codebook.values.suffix(8).reversed()) { #expect(low == -high) }
  }

  /// Two levels on N(0, 1): ±√(2/π), MSE 1 − 2/π (the half-normal's mean).
  @Test func twoLevelsAreTheHalfNormalMeans() {
    let quantizer = LloydMax.quantizer(count: 2, distribution: Normal())
    #expect(abs(quantizer.levels[1] - (2 / Double.pi).squareRoot()) < 1e-7)
    #expect(abs(quantizer.mse - (1 - 2 / Double.pi)) < 1e-7)
  }

  /// The t density: the outer cell's centroid from the closed form ∫x f = −(ν + x²) f(x)/(ν − 1).
  @Test func studentTCentroidsAgreeWithTheClosedForm() {
    let nu = 3.0
    let t = StudentT(nu: nu)
    let levels = LloydMax.quantizer(count: 16, distribution: t).levels
    let threshold = (levels[14] + levels[15]) / 2
    let tail = (nu + threshold * threshold) * t.pdf(threshold) / (nu - 1)
    #expect(abs(levels[15] - tail / (1 - t.cdf(threshold))) < 1e-4 * levels[15])
  }

  @Test func lloydIDs() throws {
    #expect(try FormatSpec.parse("lloyd").kind == .lloyd(levels: 16))
    #expect(try FormatSpec.parse("lloyd@8").kind == .lloyd(levels: 8))
    #expect(try FormatSpec.parse("lloyd@t").needsFittedNu)
    #expect(throws: FormatError.invalidLevels(id: "lloyd@1", text: "1")) { try FormatSpec.parse("lloyd@1") }
    #expect(throws: FormatError.invalidLevels(id: "lloyd@x", text: "x")) { try FormatSpec.parse("lloyd@x") }
  }
}
