import Foundation
import Testing

@testable import Distributions

/// Special functions against published constants and exact identities.
struct SpecialFunctionTests {
  let euler = 0.577_215_664_901_532_860_61

  @Test func logGammaMatchesKnownValues() {
    #expect(isClose(SpecialFunctions.logGamma(0.5), 0.5 * log(Double.pi), tolerance: 1e-15))
    #expect(isClose(SpecialFunctions.logGamma(10), log(362_880.0), tolerance: 1e-15))
  }

  @Test func logBetaAgreesWithFactorialsAndLargeArguments() {
    // B(3, 4) = 2!·3!/6! = 1/60.
    #expect(isClose(SpecialFunctions.logBeta(3, 4), -log(60.0), tolerance: 1e-14))
    // B(a, 1) = 1/a for any a, including the large-argument branch.
    for a in [0.25, 7.0, 12.5, 1e4, 1e9] {
      #expect(isClose(SpecialFunctions.logBeta(a, 1), -log(a), tolerance: 1e-13), "a = \(a)")
    }
    // B(½, ½) = π.
    #expect(isClose(SpecialFunctions.logBeta(0.5, 0.5), log(Double.pi), tolerance: 1e-15))
  }

  @Test func logGammaHalfStepRatioMatchesDirectDifferenceAndAsymptote() {
    for x in [0.3, 2.0, 9.99, 10.0, 55.5] {
      let direct = SpecialFunctions.logGamma(x + 0.5) - SpecialFunctions.logGamma(x)
      #expect(isClose(SpecialFunctions.logGammaHalfStepRatio(x), direct, tolerance: 1e-12), "x = \(x)")
    }
    // Γ(x+½)/Γ(x) = √x·(1 − 1/(8x) + 1/(128x²) + …).
    let x = 1e12
    #expect(isClose(SpecialFunctions.logGammaHalfStepRatio(x), 0.5 * log(x) - 1 / (8 * x), tolerance: 1e-15))
  }

  @Test func digammaMatchesEulerConstantAndRecurrence() {
    #expect(isClose(SpecialFunctions.digamma(1), -euler, tolerance: 1e-15))
    #expect(isClose(SpecialFunctions.digamma(0.5), -euler - 2 * log(2.0), tolerance: 1e-15))
    for x in [0.01, 0.7, 3.3, 12.0, 250.0] {
      let step = SpecialFunctions.digamma(x + 1) - SpecialFunctions.digamma(x)
      #expect(isClose(step, 1 / x, tolerance: 1e-12), "x = \(x)")
    }
    // Reflection: ψ(1−x) − ψ(x) = π·cot(πx).
    let x = -2.3
    let reflected = SpecialFunctions.digamma(1 - x) - SpecialFunctions.digamma(x)
    #expect(isClose(reflected, Double.pi / tan(Double.pi * x), tolerance: 1e-12))
    #expect(SpecialFunctions.digamma(0).isNaN && SpecialFunctions.digamma(-3).isNaN)
  }

  @Test func trigammaMatchesZetaValues() {
    #expect(isClose(SpecialFunctions.trigamma(1), Double.pi * Double.pi / 6, tolerance: 1e-15))
    #expect(isClose(SpecialFunctions.trigamma(0.5), Double.pi * Double.pi / 2, tolerance: 1e-15))
    for x in [0.2, 4.5, 30.0] {
      let step = SpecialFunctions.trigamma(x) - SpecialFunctions.trigamma(x + 1)
      #expect(isClose(step, 1 / (x * x), tolerance: 1e-12), "x = \(x)")
    }
  }

  @Test func incompleteBetaMatchesClosedForms() {
    for x in [1e-300, 1e-8, 0.01, 0.3, 0.5, 0.77, 0.999] {
      for a in [0.1, 1.0, 3.5, 250.0] {
        // I_x(a, 1) = xᵃ and I_x(1, b) = 1 − (1 − x)ᵇ.
        #expect(isClose(SpecialFunctions.regularizedIncompleteBeta(x, a: a, b: 1), pow(x, a), tolerance: 1e-13))
        let expected = -expm1(a * log1p(-x))
        #expect(isClose(SpecialFunctions.regularizedIncompleteBeta(x, a: 1, b: a), expected, tolerance: 1e-13))
      }
      // I_x(½, ½) = (2/π)·asin(√x).
      let arcsine = 2 / Double.pi * asin(x.squareRoot())
      #expect(isClose(SpecialFunctions.regularizedIncompleteBeta(x, a: 0.5, b: 0.5), arcsine, tolerance: 1e-13))
    }
    // Large a: the prefactor's logs cancel, costing about (a + b)·1e-16 relative.
    for a in [0.05, 1.0, 17.0, 5e3] {
      #expect(isClose(SpecialFunctions.regularizedIncompleteBeta(0.5, a: a, b: a), 0.5, tolerance: 1e-12))
    }
    #expect(SpecialFunctions.regularizedIncompleteBeta(0.5, a: -1, b: 2).isNaN)
    #expect(SpecialFunctions.regularizedIncompleteBeta(1.5, a: 1, b: 2).isNaN)
  }

  @Test func inverseIncompleteBetaInvertsToOneInABillion() {
    for p in [1e-300, 1e-12, 1e-4, 0.03, 0.5, 0.9677083, 0.999999] {
      // b = 1: x = p^(1/a).
      for a in [0.02, 0.5, 2.0, 400.0] {
        let x = SpecialFunctions.inverseRegularizedIncompleteBeta(p, a: a, b: 1)
        #expect(isClose(x, pow(p, 1 / a), tolerance: 1e-12), "p = \(p), a = \(a)")
      }
      // a = b = ½: x = sin²(πp/2).
      let sine = sin(Double.pi * p / 2)
      let x = SpecialFunctions.inverseRegularizedIncompleteBeta(p, a: 0.5, b: 0.5)
      #expect(isClose(x, sine * sine, tolerance: 1e-12), "p = \(p)")
      // Round trip for general a, b (through the pair: a root near 1 is only exact with its complement).
      // (At p = 1e-300 the root for a = 0.3 is below the smallest subnormal, so that pair is skipped.)
      for (a, b) in [(0.3, 7.0), (2.5, 0.5), (40.0, 60.0), (1e4, 0.5)] where p > 1e-200 || a > 1 {
        let root = SpecialFunctions.inverseIncompleteBetaPair(p: p, complement: 1 - p, a: a, b: b)
        let back = SpecialFunctions.incompleteBetaPair(x: root.x, complement: root.complement, a: a, b: b)
        #expect(isClose(back.lower, p, tolerance: 1e-9), "p = \(p), a = \(a), b = \(b)")
      }
    }
    #expect(SpecialFunctions.inverseRegularizedIncompleteBeta(0, a: 2, b: 3) == 0)
    #expect(SpecialFunctions.inverseRegularizedIncompleteBeta(1, a: 2, b: 3) == 1)
  }
}

/// |actual − expected| ≤ tolerance·max(|expected|, tiny), i.e. relative (absolute near zero).
func isClose(_ actual: Double, _ expected: Double, tolerance: Double) -> Bool {
  if actual == expected { return true }
  return abs(actual - expected) <= tolerance * max(abs(expected), 1e-300)
}
