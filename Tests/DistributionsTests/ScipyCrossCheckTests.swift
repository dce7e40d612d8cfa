import Foundation
import Testing

@testable import Distributions

/// cdf, quantiles and the incomplete beta function against scipy, to 1e-10 relative (SPEC §5).
@Suite(.enabled(if: ScipyReference.isAvailable, "needs python3 with scipy"))
struct ScipyCrossCheckTests {
  static let nus = [0.3, 0.5, 1, 1.5, 2.7, 5, 10, 30, 1000]
  static let points = [-1e6, -50, -3, -1, -0.1, 0.01, 0.5, 2, 10, 1e3]
  static let probabilities = [1e-12, 1e-6, 0.001, 0.03, 0.2, 0.4999, 0.7, 0.9677083, 0.999, 1 - 1e-9]

  @Test func studentTCDFMatchesScipy() throws {
    let rows = Self.nus.flatMap { nu in Self.points.map { [nu, $0] } }
    let script = """
      import json, sys
      from scipy import stats
      print(json.dumps([float(stats.t.cdf(x, nu, loc=0.25, scale=1.5)) for nu, x in json.load(sys.stdin)]))
      """
    let expected = try ScipyReference.run(script, input: ScipyReference.encode(rows))
    for (row, reference) in zip(rows, expected) {
      let actual = StudentT(nu: row[0], loc: 0.25, scale: 1.5).cdf(row[1])
      #expect(isClose(actual, reference ?? .nan, tolerance: 1e-10), "nu = \(row[0]), x = \(row[1])")
    }
  }

  @Test func studentTQuantileMatchesScipy() throws {
    let rows = Self.nus.flatMap { nu in Self.probabilities.map { [nu, $0] } }
    let script = """
      import json, sys
      from scipy import stats
      print(json.dumps([float(stats.t.ppf(p, nu, loc=-0.5, scale=0.02)) for nu, p in json.load(sys.stdin)]))
      """
    let expected = try ScipyReference.run(script, input: ScipyReference.encode(rows))
    for (row, reference) in zip(rows, expected) {
      let actual = StudentT(nu: row[0], loc: -0.5, scale: 0.02).quantile(row[1])
      #expect(isClose(actual, reference ?? .nan, tolerance: 1e-10), "nu = \(row[0]), p = \(row[1])")
    }
  }

  @Test func normalAndLaplaceMatchScipy() throws {
    let rows = Self.probabilities.map { [$0] }
    let script = """
      import json, sys
      from scipy import stats
      ps = [p for (p,) in json.load(sys.stdin)]
      out = [float(stats.norm.ppf(p, 1, 3)) for p in ps] + [float(stats.norm.cdf(x, 1, 3)) for x in ps]
      out += [float(stats.laplace.ppf(p, 1, 3)) for p in ps] + [float(stats.laplace.cdf(x, 1, 3)) for x in ps]
      print(json.dumps(out))
      """
    let expected = try ScipyReference.run(script, input: ScipyReference.encode(rows))
    let normal = Normal(loc: 1, scale: 3)
    let laplace = Laplace(loc: 1, scale: 3)
    let ps = Self.probabilities
    let actual = ps.map(normal.quantile) + ps.map(normal.cdf) + ps.map(laplace.quantile) + ps.map(laplace.cdf)
    for (index, (value, reference)) in zip(actual, expected).enumerated() {
      #expect(isClose(value, reference ?? .nan, tolerance: 1e-10), "entry \(index)")
    }
  }

  @Test func incompleteBetaAndInverseMatchScipy() throws {
    let shapes: [(Double, Double)] = [(0.05, 0.5), (0.5, 0.5), (2.5, 0.5), (0.3, 7), (15, 1.5), (250, 0.5), (40, 60)]
    let rows = shapes.flatMap { a, b in [1e-5, 0.02, 0.3, 0.5, 0.8, 0.999].map { [a, b, $0] } }
    let script = """
      import json, sys
      from scipy import special
      rows = json.load(sys.stdin)
      print(json.dumps([float(special.betainc(a, b, x)) for a, b, x in rows]
                       + [float(special.betaincinv(a, b, x)) for a, b, x in rows]))
      """
    let expected = try ScipyReference.run(script, input: ScipyReference.encode(rows))
    for (index, row) in rows.enumerated() {
      let (a, b, x) = (row[0], row[1], row[2])
      let value = SpecialFunctions.regularizedIncompleteBeta(x, a: a, b: b)
      #expect(isClose(value, expected[index] ?? .nan, tolerance: 1e-10), "I: a = \(a), b = \(b), x = \(x)")
      let inverse = SpecialFunctions.inverseRegularizedIncompleteBeta(x, a: a, b: b)
      let reference = expected[rows.count + index] ?? .nan
      #expect(isClose(inverse, reference, tolerance: 1e-9), "inverse: a = \(a), b = \(b), p = \(x)")
    }
  }

  @Test func gammaFamilyMatchesScipy() throws {
    let xs = [1e-6, 0.1, 0.5, 1.7, 9.5, 10.5, 123.25, 1e7]
    let script = """
      import json, sys
      from scipy import special
      xs = [x for (x,) in json.load(sys.stdin)]
      print(json.dumps([float(special.digamma(x)) for x in xs] + [float(special.polygamma(1, x)) for x in xs]
                       + [float(special.betaln(x, 2.5)) for x in xs]))
      """
    let expected = try ScipyReference.run(script, input: ScipyReference.encode(xs.map { [$0] }))
    let actual =
      xs.map(SpecialFunctions.digamma) + xs.map(SpecialFunctions.trigamma)
      + xs.map { SpecialFunctions.logBeta($0, 2.5) }
    for (index, (value, reference)) in zip(actual, expected).enumerated() {
      #expect(isClose(value, reference ?? .nan, tolerance: 1e-12), "entry \(index) (x = \(xs[index % xs.count]))")
    }
  }
}
