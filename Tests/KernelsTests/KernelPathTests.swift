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

  /// Student's t-like values (ν = 4) from a fixed seed, with a NaN and an Inf when `dirty`.
  private static func tValues(count: Int, seed: UInt64, dirty: Bool) -> [Float] {
    var state = seed
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (Double(state >> 11) + 0.5) / Double(1 << 53)
    }
    var values = (0..<count).map { _ -> Float in
      let normal = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
      let chi = (0..<4).reduce(0.0) { sum, _ in
        let z = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
        return sum + z * z
      }
      return Float(0.02 * normal / (chi / 4).squareRoot())
    }
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
    // Amax outside [2^-40, 2^60]: the scalar path on every path.
    let small = tValues(count: 1024, seed: 9, dirty: false).map { $0 * 0x1p-70 }
    cases.append(
      Case(
        name: "tiny", tensor: TensorFixtures.f32(small, shape: [8, 128]), format: "nf4",
        settings: QuantizationSettings()))
    return cases
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
