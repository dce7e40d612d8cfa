import Foundation
import Testing

@testable import Distributions

/// Normal, Laplace and Student's t against published values and closed forms.
struct DistributionTests {
  @Test func normalMatchesPublishedValues() {
    let standard = Normal()
    #expect(isClose(standard.cdf(1.96), 0.975_002_104_851_779_5, tolerance: 1e-14))
    #expect(isClose(standard.cdf(-1), 0.158_655_253_931_457_05, tolerance: 1e-14))
    #expect(isClose(standard.quantile(0.975), 1.959_963_984_540_054, tolerance: 1e-14))
    #expect(isClose(standard.quantile(0.995), 2.575_829_303_548_900_4, tolerance: 1e-14))
    #expect(isClose(standard.pdf(0), 1 / (2 * Double.pi).squareRoot(), tolerance: 1e-15))
    let shifted = Normal(loc: 3, scale: 2)
    #expect(isClose(shifted.quantile(0.025), 3 - 2 * 1.959_963_984_540_054, tolerance: 1e-14))
    for p in [1e-300, 1e-20, 1e-5, 0.02, 0.3, 0.5, 0.8, 0.99999] {
      #expect(isClose(standard.cdf(standard.quantile(p)), p, tolerance: 1e-13), "p = \(p)")
    }
  }

  @Test func laplaceClosedForms() {
    let laplace = Laplace(loc: 1, scale: 2)
    #expect(isClose(laplace.pdf(1), 0.25, tolerance: 1e-15))
    #expect(isClose(laplace.cdf(1 + 2 * log(2.0)), 0.75, tolerance: 1e-15))
    #expect(isClose(laplace.quantile(0.25), 1 - 2 * log(2.0), tolerance: 1e-15))
    #expect(laplace.quantile(0) == -.infinity && laplace.quantile(1) == .infinity)
  }

  @Test func studentTMatchesCauchyAndTwoDegreeClosedForms() {
    let cauchy = StudentT(nu: 1)
    let two = StudentT(nu: 2)
    for z in [-1e8, -30.0, -2.0, -0.01, 0.0, 0.4, 5.0, 1e6] {
      // Lower tails in the cancellation-free forms: atan(1/|z|)/π and 1/(s(s + |z|)), s = √(2 + z²).
      let cauchyCDF = z < 0 ? atan(-1 / z) / Double.pi : 0.5 + atan(z) / Double.pi
      let s = (2 + z * z).squareRoot()
      let twoCDF = z < 0 ? 1 / (s * (s - z)) : 0.5 + z / (2 * s)
      #expect(isClose(cauchy.cdf(z), cauchyCDF, tolerance: 1e-12), "z = \(z)")
      #expect(isClose(cauchy.pdf(z), 1 / (Double.pi * (1 + z * z)), tolerance: 1e-13), "z = \(z)")
      #expect(isClose(two.cdf(z), twoCDF, tolerance: 1e-12), "z = \(z)")
    }
    for p in [1e-10, 0.001, 0.2, 0.5, 0.75, 0.9677083, 0.999] {
      let cauchyQuantile = p < 0.5 ? -1 / tan(Double.pi * p) : tan(Double.pi * (p - 0.5))
      #expect(isClose(cauchy.quantile(p), cauchyQuantile, tolerance: 1e-11), "p = \(p)")
      let closedForm = (2 * p - 1) / (2 * p * (1 - p)).squareRoot()
      #expect(isClose(two.quantile(p), closedForm, tolerance: 1e-11), "p = \(p)")
    }
    let located = StudentT(nu: 1, loc: -2, scale: 0.5)
    #expect(isClose(located.quantile(0.75), -1.5, tolerance: 1e-13))
  }

  @Test func studentTMatchesTableValuesAndApproachesNormal() {
    // Two-sided 95% critical values from standard t tables.
    let table: [(Double, Double)] = [(1, 12.706), (5, 2.571), (10, 2.228), (30, 2.042), (120, 1.980)]
    for (nu, critical) in table {
      #expect(abs(StudentT(nu: nu).quantile(0.975) - critical) < 5e-4, "nu = \(nu)")
    }
    let normal = Normal()
    #expect(isClose(StudentT(nu: 1e9).quantile(0.975), normal.quantile(0.975), tolerance: 1e-8))
    #expect(isClose(StudentT(nu: .infinity).cdf(1), normal.cdf(1), tolerance: 1e-15))
  }

  @Test func studentTHandlesNuBelowOneAndInvalidParameters() {
    let heavy = StudentT(nu: 0.3)
    for p in [1e-6, 0.1, 0.6, 0.95] {
      #expect(isClose(heavy.cdf(heavy.quantile(p)), p, tolerance: 1e-10), "p = \(p)")
    }
    #expect(StudentT(nu: 0).cdf(1).isNaN)
    #expect(StudentT(nu: 3, scale: -1).quantile(0.3).isNaN)
    #expect(StudentT(nu: 3).quantile(1.5).isNaN)
  }
}
