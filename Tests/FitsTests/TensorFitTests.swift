import Distributions
import Foundation
import Parallel
import TensorIO
import Testing

@testable import Fits

/// `TensorFits` on synthetic tensors: edge cases, known parameters, and the streaming path against
/// direct computation over all elements.
struct TensorFitTests {
  @Test func emptyAllNaNOneAndConstantTensorsSayWhyNotFitted() throws {
    let cases: [([Float], String)] = [
      ([], "no finite elements"),
      ([.nan, .infinity, -.infinity], "no finite elements"),
      ([3.5], "only one finite element: nothing to fit"),
      ([Float](repeating: 0.25, count: 1000), "all finite elements are equal"),
    ]
    for (values, reason) in cases {
      let report = try TensorFits.fit(makeTensor(values))
      #expect(report.t == nil && report.normal == nil && report.laplace == nil && report.best == nil)
      #expect(report.reason == reason)
      #expect(report.count == values.count)
    }
    // A constant tensor large enough for the streaming path.
    let big = try TensorFits.fit(makeTensor([Float](repeating: -2, count: 300_000)))
    #expect(big.reason == "all finite elements are equal" && big.mean == -2 && big.std == 0)
  }

  @Test func twoElementsFitNormalAndLaplaceButNotT() throws {
    let report = try TensorFits.fit(makeTensor([1, 3]))
    #expect(report.normal?.loc == 2 && report.normal?.scale == 1)
    #expect(report.laplace?.loc == 2 && report.laplace?.scale == 1)
    #expect(report.t == nil && report.reason?.contains("t:") == true)
    // −½ ln(2πσ²) − ½ with σ = 1; −ln(2b) − 1 with b = 1.
    #expect(isClose(report.normal!.logLikelihood, -0.5 * log(2 * Double.pi) - 0.5, tolerance: 1e-15))
    #expect(report.best == .normal)
  }

  @Test func nonFiniteElementsAreCountedAndExcluded() throws {
    var generator = SplitMix64(seed: 7)
    var values = (0..<5000).map { _ in Float(generator.normal()) }
    values[10] = .nan
    values[20] = .infinity
    let report = try TensorFits.fit(makeTensor(values))
    #expect(report.count == 5000 && report.finiteCount == 4998)
    let finite = values.filter(\.isFinite).map(Double.init)
    let mean = finite.reduce(0, +) / Double(finite.count)
    #expect(isClose(report.mean!, mean, tolerance: 1e-12))
    #expect(report.t != nil && report.t!.logLikelihood.isFinite)
  }

  @Test func nonAnalysableDtypeIsNotFitted() throws {
    let tensor = makeTensor([1, 2], dtype: .i64)
    let report = try TensorFits.fit(tensor)
    #expect(report.reason == "dtype I64 is not analysed" && report.best == nil)
  }

  @Test func recoversKnownStudentTParameters() throws {
    var generator = SplitMix64(seed: 42)
    let values = (0..<100_000).map { _ in Float(0.3 + 0.05 * generator.studentT(nu: 4)) }
    let report = try TensorFits.fit(makeTensor(values))
    let t = try #require(report.t)
    #expect(abs(t.nu! - 4) < 0.35)
    #expect(abs(t.loc - 0.3) < 0.001)
    #expect(abs(t.scale - 0.05) / 0.05 < 0.02)
    #expect(report.best == .t)
    #expect(t.ks < 0.01)
  }

  @Test func cauchyLikeDataGivesNuBelowOne() throws {
    // c·|c| for Cauchy c has P(|x| > y) = P(|c| > √y) ~ 2/(π√y): tails like t with ν = ½.
    var generator = SplitMix64(seed: 3)
    let values = (0..<100_000).map { _ -> Float in
      let cauchy = generator.normal() / generator.normal()
      return Float(cauchy * abs(cauchy))
    }
    let report = try TensorFits.fit(makeTensor(values))
    let t = try #require(report.t)
    #expect(t.nu! < 0.8 && t.nu! >= StudentTFitter.nuRange.lowerBound)
    #expect(report.best == .t)
  }

  @Test func normalDataGivesLargeNuAndTCloseToNormal() throws {
    var generator = SplitMix64(seed: 11)
    let values = (0..<100_000).map { _ in Float(generator.normal()) }
    let report = try TensorFits.fit(makeTensor(values))
    let t = try #require(report.t)
    #expect(t.nu! > 50)
    #expect(t.logLikelihood >= report.normal!.logLikelihood - 1e-6)
  }

  @Test func gradientMatchesFiniteDifferences() {
    var generator = SplitMix64(seed: 5)
    let sample = (0..<20_000).map { _ in 1.5 * generator.studentT(nu: 3) - 0.2 }
    let point = StudentTParameters(nu: 2.3, loc: 0.1, scale: 1.2)
    let newton = StudentTNewton(parameters: point, terms: StudentTFitter.terms(sample, at: point))
    let bounds = StudentTBounds(around: point)
    func value(_ step: SIMD3<Double>) -> Double {
      let moved = bounds.move(point, by: step)
      return moved.meanLogLikelihood(StudentTFitter.terms(sample, at: moved))
    }
    let h = 1e-5
    for axis in 0..<3 {
      var step = SIMD3<Double>.zero
      step[axis] = h
      let numeric = (value(step) - value(-step)) / (2 * h)
      #expect(abs(numeric - newton.gradient[axis]) < 1e-6, "axis \(axis)")
      for other in 0..<3 {
        var second = SIMD3<Double>.zero
        second[other] = h
        let numericSecond =
          ((value(step + second) - value(step - second)) - (value(-step + second) - value(-step - second)))
          / (4 * h * h)
        #expect(abs(numericSecond - newton.hessian[axis][other]) < 1e-3, "axes \(axis), \(other)")
      }
    }
  }

  @Test func streamingPathMatchesDirectComputationOnAllElements() throws {
    var generator = SplitMix64(seed: 99)
    let count = 400_000
    let values = (0..<count).map { index -> Float in
      // Rows with different scales, so a strided subsample would be biased.
      let rowScale = 0.02 * (1 + Double((index / 1024) % 7) / 7)
      return Float(0.001 + rowScale * generator.studentT(nu: 6))
    }
    let report = try TensorFits.fit(makeTensor(values))
    #expect(report.fitElements < count)
    let all = values.map(Double.init)
    let sorted = all.sorted()
    let median = 0.5 * (sorted[(count - 1) / 2] + sorted[count / 2])
    let meanAbsoluteDeviation = all.reduce(0) { $0 + abs($1 - median) } / Double(count)
    let mean = all.reduce(0, +) / Double(count)
    let std = (all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)).squareRoot()
    #expect(report.laplace?.loc == median)
    #expect(isClose(report.laplace!.scale, meanAbsoluteDeviation, tolerance: 1e-10))
    #expect(isClose(report.mean!, mean, tolerance: 1e-9))
    #expect(isClose(report.std!, std, tolerance: 1e-10))
    // The t fit from the subsample (plus one full-data Newton step) against the optimum on all data.
    let full = try #require(StudentTFitter.fit(all))
    let t = try #require(report.t)
    #expect(t.logLikelihood >= full.meanLogLikelihood - 1e-4)
    #expect(abs(t.logLikelihood - full.meanLogLikelihood) < 1e-7)
    let reported = StudentTParameters(nu: t.nu!, loc: t.loc, scale: t.scale)
    let direct = reported.meanLogLikelihood(StudentTFitter.terms(all, at: reported, derivatives: false))
    #expect(isClose(t.logLikelihood, direct, tolerance: 1e-9))
  }

  @Test func subsampleOptimumAloneIsWithinTheAllowedLoss() throws {
    var generator = SplitMix64(seed: 123)
    let values = (0..<300_000).map { _ in Float(0.05 * generator.studentT(nu: 3)) }
    let report = try TensorFits.fitStreaming(makeTensor(values), isCancelled: { false }, polishLimit: 0)
    let full = try #require(StudentTFitter.fit(values.map(Double.init)))
    let t = try #require(report.t)
    #expect(t.logLikelihood >= full.meanLogLikelihood - 1e-4)
    #expect(t.logLikelihood <= full.meanLogLikelihood + 1e-12)
  }

  @Test func outliersTheSubsampleMissesStillGetTheFullDataOptimum() throws {
    var generator = SplitMix64(seed: 8)
    var values = (0..<270_000).map { _ in Float(generator.normal()) }
    values += [3e38, -3e38, 1e30]
    let report = try TensorFits.fit(makeTensor(values))
    #expect(report.fitElements < values.count)
    let full = try #require(StudentTFitter.fit(values.map(Double.init)))
    let t = try #require(report.t)
    #expect(t.logLikelihood >= full.meanLogLikelihood - 1e-4)
    #expect(report.best == .t)
  }

  @Test func pointMassesMakeTheTFitDegenerateNotAbsurd() throws {
    var generator = SplitMix64(seed: 21)
    // A pruned weight matrix (60% exact zeros) and a ±1 tensor: the t likelihood is unbounded.
    let pruned = (0..<50_000).map { index in index % 5 < 3 ? 0 : Float(0.02 * generator.studentT(nu: 4)) }
    let signs = (0..<50_000).map { _ in Float(Bool.random(using: &generator) ? 1 : -1) }
    for values in [pruned, signs] {
      let report = try TensorFits.fit(makeTensor(values))
      #expect(report.t == nil)
      #expect(report.reason?.contains("degenerate") == true)
      #expect(report.normal != nil && report.laplace != nil)
    }
  }

  @Test func cancellationStopsTheFit() {
    let values = [Float](repeating: 1, count: 300_000)
    #expect(throws: Cancelled.self) { try TensorFits.fit(makeTensor(values), isCancelled: { true }) }
  }
}
