import CKernels
import Formats
import Foundation
import TensorIO
import Testing

@testable import Kernels

/// Every kernel path this machine has gives the portable path's results bit for bit: metrics,
/// code usage and x̂, on the cases the exactness tests use (tails, NaN/Inf, long BF16 groups,
/// amax outside float-square range, tensor groups, mse scaling). A path the CPU lacks is
/// skipped with a note; CI machines with AVX-512 run it. Serialized: the path is process-wide.
@Suite(.serialized)
struct KernelPathTests {
  private struct Case {
    let name: String
    let tensor: Tensor
    let format: String
    let settings: QuantizationSettings
  }

  /// TensorFixtures.tValues with a NaN and an Inf when `dirty`.
  private static func tValues(count: Int, seed: UInt64, dirty: Bool) -> [Float] {
    var values = TensorFixtures.tValues(count: count, seed: seed)
    if dirty, count > 300 {
      values[37] = .nan
      values[300] = -.infinity
    }
    return values
  }

  private static var cases: [Case] {
    var cases: [Case] = []
    let shapes: [(rows: Int, columns: Int)] = [(7, 300), (3, 5000), (64, 128), (1, 77)]
    for (index, shape) in shapes.enumerated() {
      let values = tValues(count: shape.rows * shape.columns, seed: UInt64(index + 1), dirty: index % 2 == 0)
      let halves = values.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }
      let tensors = [
        TensorFixtures.f32(values, shape: [shape.rows, shape.columns]),
        TensorFixtures.bf16(halves, shape: [shape.rows, shape.columns]),
        TensorFixtures.f16(values, shape: [shape.rows, shape.columns]),
      ]
      let groups: [GroupSize] = [.elements(32), .elements(128), .elements(8), .elements(50), .channel, .tensor]
      for tensor in tensors {
        for group in groups {
          for format in ["nf4", "sf4", "e2m1", "e3m0", "int4", "apot4-sp", "int8", "mxfp4", "int4-asym"] {
            cases.append(
              Case(
                name: "\(shape) \(tensor.info.dtype) \(group) \(format)", tensor: tensor, format: format,
                settings: QuantizationSettings(group: group)))
          }
        }
        cases.append(
          Case(
            name: "\(shape) \(tensor.info.dtype) mse e2m1", tensor: tensor, format: "e2m1",
            settings: QuantizationSettings(group: .elements(64), scale: .mse)))
      }
    }
    // Rows tiled by groups of up to 512 bytes, which the AVX-512 path takes 16 at a time (F32
    // groups of 256 are larger and take the one-group walk): 15, 30 and 160 groups (a last batch
    // part full, or none), a NaN and an Inf in groups of their own.
    let tiled = tValues(count: 5 * 768, seed: 17, dirty: true)
    let tiledHalves = tiled.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }
    for tensor in [
      TensorFixtures.f32(tiled, shape: [5, 768]), TensorFixtures.bf16(tiledHalves, shape: [5, 768]),
      TensorFixtures.f16(tiled, shape: [5, 768]),
    ] {
      for group in [256, 128, 24] {
        for format in ["nf4", "sf4", "e2m1"] {
          cases.append(
            Case(
              name: "tiled \(tensor.info.dtype) \(group) \(format)", tensor: tensor, format: format,
              settings: QuantizationSettings(group: .elements(group))))
        }
      }
    }
    // F16/BF16 groups whose amax repeats, or shares a cache slot with another amax (1, 4 and 1/4
    // differ only in their exponent's upper bits): the AVX2 path keeps each amax's scale and
    // thresholds, and must never use another amax's.
    let repeating = amaxCycleValues()
    for tensor in [
      TensorFixtures.bf16(repeating, shape: [12, 96]), TensorFixtures.f16(repeating, shape: [12, 96]),
    ] {
      for format in ["nf4", "e2m1", "sf4"] {
        cases.append(
          Case(
            name: "amax cycle \(tensor.info.dtype) \(format)", tensor: tensor, format: format,
            settings: QuantizationSettings(group: .elements(32))))
      }
    }
    // Amax outside [2^-40, 2^60]: the scalar path on every path.
    let small = tValues(count: 1024, seed: 9, dirty: false).map { $0 * 0x1p-70 }
    cases.append(
      Case(
        name: "tiny", tensor: TensorFixtures.f32(small, shape: [8, 128]), format: "nf4",
        settings: QuantizationSettings()))
    return cases
  }

  /// 36 groups of 32 values exact in F16 and BF16, with amax 1, 4, 1, 1, 1/4, NaN, 4, 0, 2^-70
  /// (F16: 0), 1/4, 2^-70, 1, ... in turn; the other values of a group lie below its amax.
  private static func amaxCycleValues() -> [Float] {
    let amaxes: [Float] = [1, 4, 1, 1, 0.25, .nan, 4, 0, 0x1p-70, 0.25, 0x1p-70, 1]
    let spread = tValues(count: 36 * 32, seed: 11, dirty: false)
    return (0..<36 * 32).map { index in
      let amax = amaxes[(index / 32) % amaxes.count]
      if index % 32 == 5 { return index % 64 == 5 ? amax : -amax }
      if amax.isNaN { return index % 32 == 9 ? .nan : spread[index] }
      // Below the amax, rounded to 8 significant bits so F16 and BF16 both hold it exactly.
      let value = amax * Float(max(-0.99, min(0.99, spread[index] * 20)))
      return Float(bitPattern: value.bitPattern & 0xFFFF_0000)
    }
  }

  private struct Result: Equatable {
    let metrics: QuantizationMetrics
    let rounded: [UInt32]
  }

  private func run(_ testCase: Case, on path: KernelPath) throws -> Result {
    try KernelPath.select(path)
    let format = try FormatSpec.parse(testCase.format).resolved()
    let metrics = try Quantizer.measure(testCase.tensor, format: format, settings: testCase.settings)
    let rounded = try Quantizer.dequantize(testCase.tensor, format: format, settings: testCase.settings)
    return Result(metrics: metrics, rounded: rounded.map(\.bitPattern))
  }

  /// A user codebook with subnormal thresholds: at power-of-two scales its quotients land
  /// exactly halfway between subnormal floats, where the tie rule of the rounding decides.
  private static let subnormalCodebook = Codebook(
    id: "subnormal", name: "subnormal", bits: 3, values: [-1, 0, 0x3p-149, 0x7p-149, 0x1p-140, 0x1p-130, 0.5, 1])

  /// Groups whose elements lie on and beside every threshold of the codebook at the group's
  /// scale (the float nearest t * s and the two floats either side), at scales above and
  /// below 1: where a vector path rounds without dividing (AVX2 compares x with the least x
  /// whose quotient passes each threshold) it must still give the code of fl(x / s).
  @Test(arguments: [
    "nf4", "sf4", "e2m1", "e2m1-i", "e2m1+-8", "e3m0", "int4", "apot4", "apot4-sp", "e1m2", "subnormal",
  ])
  func everyPathRoundsLikeTheDivisionBesideEachThreshold(formatID: String) throws {
    let format =
      formatID == "subnormal" ? QuantFormat.codebook(Self.subnormalCodebook) : try FormatSpec.parse(formatID).resolved()
    guard case .codebook(let codebook) = format else {
      Issue.record("\(formatID) is not a codebook format")
      return
    }
    try Self.expectEveryPathRoundsLikeTheDivisionBesideEachThreshold(codebook)
  }

  /// Random codebooks of 4 to 16 values, uniform or crowded near zero, a third of them with a
  /// largest magnitude on the negative side: every path rounds them like the division beside
  /// every threshold. They reach what the catalog's codebooks do not: the grid's offset search,
  /// thresholds beyond the amax, buckets left empty. At least a third fit the grid, so on an
  /// AVX-512 CPU both ways are checked.
  @Test func randomCodebooksRoundLikeTheDivisionOnEveryPath() throws {
    var state: UInt64 = 0x5eed
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (Double(state >> 11) + 0.5) / Double(1 << 53)
    }
    var fitting = 0
    for index in 0..<30 {
      let count = [4, 7, 8, 15, 16][index % 5]
      var values = Set<Double>()
      while values.count < count {
        let u = 2 * uniform() - 1
        values.insert(((index % 2 == 0 ? u : u * u * u) * 10_000).rounded() / 10_000)
      }
      var sorted = values.sorted()
      if index % 3 == 0 { sorted = sorted.map { -$0 }.reversed() }  // the larger magnitude below zero
      if sorted[sorted.count - 1] <= 0 { sorted.append(0.5) }  // a positive largest value
      let codebook = Codebook(id: "random\(index)", name: "random \(index)", bits: 4, values: sorted)
      try Self.expectEveryPathRoundsLikeTheDivisionBesideEachThreshold(codebook)
      fitting += Int(PreparedCodebook(codebook).withCodebook { tk_codebook_grid_fits($0, 1) })
    }
    #if arch(x86_64)
      #expect(fitting >= 10, "\(fitting) of 30 random codebooks fit the grid")
    #endif
  }

  /// Elements on and beside every threshold of `codebook` at 14 amaxes (groups of 128): every
  /// path's x̂ is the definition's, and every path's metrics are equal.
  private static func expectEveryPathRoundsLikeTheDivisionBesideEachThreshold(_ codebook: Codebook) throws {
    let initial = KernelPath.active
    defer { try? KernelPath.select(initial) }
    let format = QuantFormat.codebook(codebook)
    let formatID = codebook.id
    let prepared = PreparedCodebook(codebook)
    let amaxes: [Float] = [1, 2, 4, 0.02, 6, 7, 100, 3.5e4, 1e-9, 0.013_7, 0x1p-30, 0x1p50, 0.999_999_9, 12_345.678]
    let values = TensorFixtures.besideThresholds(prepared, amaxes: amaxes)
    let tensor = TensorFixtures.f32(values, shape: [values.count / 128, 128])
    let settings = QuantizationSettings(group: .elements(128))
    // The definition: code = #{t < fl(x / s)}, x̂ = v[code] * s.
    var expected: [UInt32] = []
    for groupStart in stride(from: 0, to: values.count, by: 128) {
      let scale = values[groupStart] / prepared.maxValue
      for x in values[groupStart..<groupStart + 128] {
        let quotient = x / scale
        let code = prepared.thresholds.filter { $0 < quotient }.count
        expected.append((prepared.values[code] * scale).bitPattern)
      }
    }
    var reference: QuantizationMetrics?
    for path in KernelPath.supported {
      try KernelPath.select(path)
      let rounded = try Quantizer.dequantize(tensor, format: format, settings: settings)
      #expect(rounded.map(\.bitPattern) == expected, "\(formatID) on \(path.rawValue)")
      let metrics = try Quantizer.measure(tensor, format: format, settings: settings)
      if let reference {
        #expect(metrics == reference, "\(formatID) on \(path.rawValue)")
      }
      reference = metrics
    }
  }

  /// The AVX-512 path rounds a codebook on its bucket grid where the thresholds lie apart (one
  /// compare per element) and by quarters elsewhere (six); the test above runs formats of both
  /// kinds, so it checks both against the definition. This keeps it so.
  @Test func theThresholdTestRunsGridAndQuarterCodebooks() throws {
    func fits(_ formatID: String, clip: Float = 1) throws -> Bool {
      let format =
        formatID == "subnormal"
        ? QuantFormat.codebook(Self.subnormalCodebook) : try FormatSpec.parse(formatID).resolved()
      guard case .codebook(let codebook) = format else { return false }
      return PreparedCodebook(codebook).withCodebook { tk_codebook_grid_fits($0, clip) } == 1
    }
    #if arch(x86_64)
      for formatID in ["nf4", "sf4", "e2m1", "e2m1-i", "int4", "apot4", "apot4-sp", "e1m2"] {
        #expect(try fits(formatID), "\(formatID) on the grid")
      }
      // Thresholds closer than a bucket: six powers of two near zero, or subnormals.
      #expect(try !fits("e3m0"))
      #expect(try !fits("subnormal"))
      // e2m1+-8's outer threshold, at clip 0.805, sits near a bucket edge for every offset.
      #expect(try fits("e2m1+-8") && !fits("e2m1+-8", clip: 0.805))
    #else
      #expect(try !fits("nf4"))
    #endif
  }

  /// A whole-tensor amax below some elements (the file grew between the range pass and this
  /// one): those elements' u would leave [2, 4) on the grid, so their groups round by quarters
  /// on AVX-512. Every path gives the portable path's sums, codes and x̂, and x̂ is the
  /// definition's (codes of fl(x / s)).
  @Test func aFixedAmaxBelowTheDataRoundsLikeTheDivision() throws {
    let initial = KernelPath.active
    defer { try? KernelPath.select(initial) }
    let values = TensorFixtures.tValues(count: 64 * 128, seed: 31)
    let fixedAmax = values.map(abs).max()! * 0.5
    for formatID in ["nf4", "sf4"] {
      guard case .codebook(let codebook) = try FormatSpec.parse(formatID).resolved() else {
        Issue.record("\(formatID) is not a codebook format")
        continue
      }
      let prepared = PreparedCodebook(codebook)
      let scale = fixedAmax / prepared.maxValue
      let expected = values.map { x in
        (prepared.values[prepared.thresholds.filter { $0 < x / scale }.count] * scale).bitPattern
      }
      var reference: (sums: [Double], usage: [Int64])?
      for path in KernelPath.supported {
        try KernelPath.select(path)
        var sums = tk_sums()
        var usage = [Int64](repeating: 0, count: prepared.values.count)
        var rounded = [Float](repeating: 0, count: values.count)
        values.withUnsafeBytes { bytes in
          var layout = tk_layout(
            source: bytes.baseAddress, dtype: Int32(TK_F32.rawValue), rows: 64, row_length: 128, group: 128,
            fixed_amax: fixedAmax, fixed_min: 0, fixed_max: 0)
          prepared.withCodebook { tk_quantize_codebook(&layout, $0, 1, &sums, &usage, &rounded) }
        }
        #expect(rounded.map(\.bitPattern) == expected, "\(formatID) on \(path.rawValue)")
        let measured = [sums.sum_sq_err, sums.sum_sq_x, sums.max_abs_err]
        if let reference {
          #expect(measured.map(\.bitPattern) == reference.sums.map(\.bitPattern), "\(formatID) on \(path.rawValue)")
          #expect(usage == reference.usage, "\(formatID) on \(path.rawValue)")
        }
        reference = (measured, usage)
      }
    }
  }

  @Test(arguments: [KernelPath.avx512, .avx2])
  func pathMatchesThePortablePathBitForBit(path: KernelPath) throws {
    let initial = KernelPath.active
    defer { try? KernelPath.select(initial) }
    guard path.isSupported else {
      print(
        "note: kernel path \(path.rawValue) skipped: this CPU lacks it (it has \(KernelPath.supported.map(\.rawValue)))"
      )
      return
    }
    for testCase in Self.cases {
      let reference = try run(testCase, on: .portable)
      let measured = try run(testCase, on: path)
      // Hashable metrics compare every Double exactly (mse, sqnr, max error, usage, clip ratio).
      #expect(measured.metrics == reference.metrics, "\(testCase.name)")
      #expect(measured.metrics.mse.bitPattern == reference.metrics.mse.bitPattern, "\(testCase.name)")
      #expect(measured.rounded == reference.rounded, "\(testCase.name)")
    }
  }

  @Test func forcingAPathTheCPULacksIsRefused() throws {
    let initial = KernelPath.active
    defer { try? KernelPath.select(initial) }
    #expect(KernelPath.supported.contains(.portable))
    for path in KernelPath.allCases where !path.isSupported {
      #expect(throws: KernelPathError.unsupported(path)) { try KernelPath.select(path) }
      #expect(KernelPath.active == initial)
    }
    #expect(throws: KernelPathError.unknown("sse9")) {
      try KernelPath.selectFromEnvironment(["TSCOPE_KERNEL": "sse9"])
    }
    #expect(try KernelPath.selectFromEnvironment([:]) == nil)
    #expect(try KernelPath.selectFromEnvironment(["TSCOPE_KERNEL": "portable"]) == .portable)
    #expect(KernelPath.active == .portable)
  }
}
