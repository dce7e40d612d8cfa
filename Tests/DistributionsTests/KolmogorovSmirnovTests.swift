import Foundation
import Testing

@testable import Distributions

/// The KS distance (with its interpolated cdf) against the textbook formula with an exact cdf per point.
struct KolmogorovSmirnovTests {
  /// max over i of max(F(x₍ᵢ₎) − (i−1)/n, i/n − F(x₍ᵢ₎)), for distinct sorted points.
  func textbook(_ sorted: [Double], _ distribution: some ContinuousDistribution) -> Double {
    let n = Double(sorted.count)
    var distance = 0.0
    for (index, x) in sorted.enumerated() {
      let f = distribution.cdf(x)
      distance = max(distance, f - Double(index) / n, Double(index + 1) / n - f)
    }
    return distance
  }

  @Test func interpolatedDistanceMatchesExactEvaluation() {
    var generator = SplitMix64(seed: 17)
    let heavy = (0..<6000).map { _ in generator.normal() / generator.normal() }.sorted()
    let moderate = (0..<6000).map { _ in 0.02 * generator.studentT(nu: 5) }.sorted()
    let cases: [([Double], any ContinuousDistribution)] = [
      (heavy, StudentT(nu: 1, loc: 0.01, scale: 1.1)),
      (heavy, Normal(loc: 0, scale: 3)),
      (moderate, StudentT(nu: 4.5, loc: 0, scale: 0.019)),
      (moderate, Laplace(loc: 0, scale: 0.02)),
    ]
    for (sample, distribution) in cases {
      let fast = kolmogorovSmirnovDistance(sorted: sample, distribution)
      #expect(abs(fast - textbook(sample, distribution)) < 1e-9)
    }
  }

  @Test func tiesJumpOnce() {
    // Fₙ jumps from ¼ to ¾ at the tied zeros, where Φ = ½: D = ¼ (the other points give Φ(−1) ≈ 0.159).
    let distance = kolmogorovSmirnovDistance(sorted: [-1, 0, 0, 1], Normal())
    #expect(isClose(distance, 0.25, tolerance: 1e-15))
  }
}
