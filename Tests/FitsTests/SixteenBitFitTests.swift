import Distributions
import Foundation
import Parallel
import TensorIO
import Testing

@testable import Fits

/// A BF16 or F16 tensor over the given bit patterns (little-endian, as a safetensors file holds them).
func makeSixteenBitTensor(_ patterns: [UInt16], dtype: DType, name: String = "test") -> Tensor {
  var bytes: [UInt8] = []
  bytes.reserveCapacity(2 * patterns.count)
  for pattern in patterns {
    bytes.append(UInt8(truncatingIfNeeded: pattern))
    bytes.append(UInt8(truncatingIfNeeded: pattern >> 8))
  }
  let storage = ByteStorage.owning(bytes)
  let info = TensorInfo(name: name, dtype: dtype, shape: [patterns.count], file: "memory")
  return Tensor(info: info, storage: storage, bytes: storage.bytes)
}

/// BF16 by rounding to nearest even, as torch and ml_dtypes convert.
func bfloat16Pattern(_ value: Float) -> UInt16 {
  let bits = value.bitPattern
  if value.isNaN { return 0x7FC0 }
  return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
}

/// The tensor's elements decoded one by one (the independent truth: no counting involved).
func decodedElements(_ tensor: Tensor) -> [Float] {
  var values = [Float](repeating: 0, count: tensor.count)
  values.withUnsafeMutableBufferPointer { tensor.decode(0..<tensor.count, into: $0) }
  return values
}

/// The 16-bit counting path (`TensorFits.fitSixteenBit`) against direct computation on every
/// decoded element and against the existing streaming path.
struct SixteenBitFitTests {
  /// A BF16 Student's t tensor over rows of different scales, with NaN, ±Inf and −0 patterns.
  static func bfloat16Tensor(count: Int = 400_000, seed: UInt64 = 99) -> Tensor {
    var generator = SplitMix64(seed: seed)
    var patterns = (0..<count).map { index -> UInt16 in
      let rowScale = 0.02 * (1 + Double((index / 1024) % 7) / 7)
      return bfloat16Pattern(Float(0.001 + rowScale * generator.studentT(nu: 6)))
    }
    for (index, pattern) in [(5, 0x7FC0), (17, 0x7F80), (29, 0xFF80), (31, 0xFFC1), (40, 0x8000)] {
      patterns[index * 1000] = UInt16(pattern)
    }
    return makeSixteenBitTensor(patterns, dtype: .bf16)
  }

  @Test func everyStatisticMatchesDirectComputationOnAllElements() throws {
    for tensor in [Self.bfloat16Tensor(), Self.halfTensor()] {
      let report = try TensorFits.fit(tensor)
      let finite = decodedElements(tensor).filter(\.isFinite).map(Double.init)
      let n = finite.count
      #expect(report.count == tensor.count && report.finiteCount == n && n == tensor.count - 4)
      #expect(report.fitElements == n && report.ksElements == n)
      let sorted = finite.sorted()
      let median = 0.5 * (sorted[(n - 1) / 2] + sorted[n / 2])
      let mean = finite.reduce(0, +) / Double(n)
      let std = (finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
      let meanAbsoluteDeviation = finite.reduce(0) { $0 + abs($1 - median) } / Double(n)
      #expect(isClose(report.mean!, mean, tolerance: 1e-12))
      #expect(isClose(report.std!, std, tolerance: 1e-12))
      #expect(report.laplace?.loc == median)
      #expect(isClose(report.laplace!.scale, meanAbsoluteDeviation, tolerance: 1e-12))
      #expect(isClose(report.normal!.logLikelihood, -0.5 * log(2 * Double.pi * std * std) - 0.5, tolerance: 1e-12))

      // The t fit: the in-memory optimizer on every element reaches the same optimum.
      let full = try #require(StudentTFitter.fit(finite))
      let t = try #require(report.t)
      #expect(t.logLikelihood >= full.meanLogLikelihood - 1e-11)
      #expect(isClose(t.nu!, full.parameters.nu, tolerance: 1e-4))
      #expect(isClose(t.loc, full.parameters.loc, tolerance: 1e-4))
      #expect(isClose(t.scale, full.parameters.scale, tolerance: 1e-5))
      // The reported log-likelihood is the mean over all finite elements, one log each.
      let direct = StudentT(nu: t.nu!, loc: t.loc, scale: t.scale)
      let directMean = finite.reduce(0) { $0 + direct.logPDF($1) } / Double(n)
      #expect(isClose(t.logLikelihood, directMean, tolerance: 1e-9))

      // KS distances over all elements, against the sorted-sample distance on every element.
      for (family, distribution) in [
        (report.t!, direct as any ContinuousDistribution),
        (report.normal!, Normal(loc: mean, scale: std)),
        (report.laplace!, Laplace(loc: median, scale: report.laplace!.scale)),
      ] {
        #expect(abs(family.ks - kolmogorovSmirnovDistance(sorted: sorted, distribution)) < 1e-9)
      }
    }
  }

  /// An F16 Student's t tensor (ν = 3, scale 0.5, so some values are F16 subnormals near zero and
  /// some beyond 1000), with NaN, ±Inf and −0.
  static func halfTensor(count: Int = 300_000) -> Tensor {
    var generator = SplitMix64(seed: 5)
    var patterns = (0..<count).map { _ in Float16(Float(0.5 * generator.studentT(nu: 3))).bitPattern }
    // NaN, +Inf, −Inf, another NaN, −0, the smallest subnormal.
    for (index, pattern) in [(3, 0x7E00), (7, 0x7C00), (11, 0xFC00), (13, 0xFE01), (19, 0x8000), (23, 0x0001)] {
      patterns[index * 997] = UInt16(pattern)
    }
    return makeSixteenBitTensor(patterns, dtype: .f16)
  }

  @Test func agreesWithTheStreamingPathAndImprovesItsLikelihood() throws {
    let tensor = Self.bfloat16Tensor(count: 600_000, seed: 3)
    let counted = try TensorFits.fit(tensor)
    let streamed = try TensorFits.fitStreaming(tensor, isCancelled: { false })
    #expect(counted.finiteCount == streamed.finiteCount)
    #expect(counted.laplace?.loc == streamed.laplace?.loc)
    #expect(isClose(counted.laplace!.scale, streamed.laplace!.scale, tolerance: 1e-10))
    #expect(isClose(counted.mean!, streamed.mean!, tolerance: 1e-9))
    #expect(isClose(counted.std!, streamed.std!, tolerance: 1e-10))
    // The streaming fit starts from a subsample; the counted one optimizes on every element.
    #expect(counted.t!.logLikelihood >= streamed.t!.logLikelihood - 1e-12)
    #expect(abs(counted.t!.logLikelihood - streamed.t!.logLikelihood) < 1e-6)
    #expect(counted.fitElements == counted.finiteCount && streamed.fitElements < streamed.finiteCount)
  }

  @Test func unfittableSixteenBitTensorsSayWhy() throws {
    let count = 300_000
    let constant = makeSixteenBitTensor([UInt16](repeating: bfloat16Pattern(-2), count: count), dtype: .bf16)
    let report = try TensorFits.fit(constant)
    #expect(report.reason == "all finite elements are equal" && report.mean == -2 && report.std == 0)
    #expect(report.finiteCount == count && report.best == nil)

    // +0 and −0 are one value.
    let zeros = makeSixteenBitTensor((0..<count).map { $0 % 2 == 0 ? 0x0000 : 0x8000 }, dtype: .f16)
    #expect(try TensorFits.fit(zeros).reason == "all finite elements are equal")

    let nonFinite = makeSixteenBitTensor((0..<count).map { [0x7E00, 0x7C00, 0xFC00][$0 % 3] }, dtype: .f16)
    let none = try TensorFits.fit(nonFinite)
    #expect(none.reason == "no finite elements" && none.finiteCount == 0 && none.count == count)

    var patterns = [UInt16](repeating: 0x7FC0, count: count)
    patterns[123_456] = bfloat16Pattern(1.5)
    let one = try TensorFits.fit(makeSixteenBitTensor(patterns, dtype: .bf16))
    #expect(one.reason == "only one finite element: nothing to fit" && one.finiteCount == 1 && one.mean == 1.5)
  }

  @Test func pointMassesMakeTheTFitDegenerate() throws {
    var generator = SplitMix64(seed: 21)
    // A pruned weight matrix: 60% exact zeros.
    let pruned = (0..<300_000).map { index in
      index % 5 < 3 ? 0 : bfloat16Pattern(Float(0.02 * generator.studentT(nu: 4)))
    }
    let report = try TensorFits.fit(makeSixteenBitTensor(pruned, dtype: .bf16))
    #expect(report.t == nil && report.reason?.contains("degenerate") == true)
    #expect(report.normal != nil && report.laplace != nil)
  }

  @Test func cancellationStopsTheCountingPass() {
    let tensor = makeSixteenBitTensor([UInt16](repeating: 0x3F80, count: 2_000_000), dtype: .bf16)
    #expect(throws: Cancelled.self) { try TensorFits.fit(tensor, isCancelled: { true }) }
  }

  @Test func patternCountsMatchAPlainCount() throws {
    // Odd length (a tail after the 4-element words) and more than one worker's share.
    var generator = SplitMix64(seed: 1)
    let patterns = (0..<(1 << 21) + 3).map { _ in UInt16(truncatingIfNeeded: generator.next() % 5000) }
    let counts = try SixteenBitCounts.count(makeSixteenBitTensor(patterns, dtype: .bf16), isCancelled: { false })
    var expected = [Int](repeating: 0, count: 1 << 16)
    for pattern in patterns { expected[Int(pattern)] += 1 }
    #expect(counts == expected)
  }

  @Test func patternCountsGivenByTheCallerGiveTheSameFit() throws {
    // The explorer's load counts the patterns and hands them to the fit.
    let tensor = Self.bfloat16Tensor()
    let counts = try SixteenBitCounts.count(tensor, isCancelled: { false })
    #expect(try TensorFits.fit(tensor, patternCounts: counts) == TensorFits.fit(tensor))
  }

  @Test func weightedTermsEqualTheTermsOfTheExpandedElements() {
    let pairs: [(value: Double, count: Double)] = [(-3, 2), (-0.5, 7), (0, 1), (0.25, 40), (1, 3), (80, 1)]
    let data = DistinctValues(sortedPairs: pairs)
    let expanded = pairs.flatMap { [Double](repeating: $0.value, count: Int($0.count)) }
    let parameters = StudentTParameters(nu: 2.5, loc: 0.1, scale: 0.7)
    var weighted = StudentTTerms()
    parameters.accumulate(data, into: &weighted, derivatives: true)
    let plain = StudentTFitter.terms(expanded, at: parameters)
    #expect(weighted.count == plain.count)
    for (a, b) in [
      (weighted.sumLog, plain.sumLog), (weighted.sumQ, plain.sumQ), (weighted.sumQSquared, plain.sumQSquared),
      (weighted.sumZQ, plain.sumZQ), (weighted.sumZQSquared, plain.sumZQSquared),
    ] {
      #expect(isClose(a, b, tolerance: 1e-13))
    }
    #expect(data.value(atRank: 0) == -3 && data.value(atRank: 9) == 0 && data.value(atRank: 53) == 80)
    let sorted = expanded.sorted()
    #expect(data.median == 0.5 * (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]))
    #expect(data.spreadAwayFromTies == TensorFits.spreadAwayFromTies(sorted))
  }
}
