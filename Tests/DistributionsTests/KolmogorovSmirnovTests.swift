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

  @Test func distanceFromCountsMatchesTheExpandedSample() {
    // Values on a coarse grid (so many ties), as a 16-bit tensor's counts give them.
    var generator = SplitMix64(seed: 3)
    let sample = (0..<20_000).map { _ in (0.02 * generator.studentT(nu: 4) * 2048).rounded() / 2048 }.sorted()
    var values: [Double] = []
    var counts: [Double] = []
    for x in sample {
      if values.last == x {
        counts[counts.count - 1] += 1
      } else {
        values.append(x)
        counts.append(1)
      }
    }
    #expect(values.count < sample.count / 4)
    for distribution in [StudentT(nu: 4, loc: 0, scale: 0.02), StudentT(nu: 30, loc: 0.001, scale: 0.03)] {
      let fromCounts = kolmogorovSmirnovDistance(values: values, counts: counts, distribution)
      #expect(abs(fromCounts - kolmogorovSmirnovDistance(sorted: sample, distribution)) < 1e-9)
    }
    #expect(
      isClose(kolmogorovSmirnovDistance(values: [-1, 0, 1], counts: [1, 2, 1], Normal()), 0.25, tolerance: 1e-15))
  }
}
