import Explorer
import Foundation
import TensorIO
import Testing

@testable import TerminalUI

/// The explorer with `--against SHIPPED` (issue 14): the golden model against a shipped copy
/// (Q8_0 attention, BF16 dense, one tensor missing, one of another shape), on golden screens.
struct ShippedScreenTests {
  /// Q8_0 as ggml's `quantize_row_q8_0_ref` writes it: per 32 values d = amax/127 (stored F16),
  /// q = round(x/d); 2 + 32 bytes a block.
  static func q8_0(_ values: [Float]) -> [UInt8] {
    var bytes: [UInt8] = []
    for start in stride(from: 0, to: values.count, by: 32) {
      let block = values[start..<(start + 32)]
      let amax = block.map { abs($0) }.max() ?? 0
      let d = amax / 127
      let inverse: Float = d != 0 ? 1 / d : 0
      withUnsafeBytes(of: Float16(d).bitPattern.littleEndian) { bytes += $0 }
      for value in block { bytes.append(UInt8(bitPattern: Int8((value * inverse).rounded()))) }
    }
    return bytes
  }

  static func bf16(_ values: [Float]) -> [UInt8] {
    let halves = values.map { value -> UInt16 in
      let bits = value.bitPattern
      return UInt16((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16)
    }
    return halves.withUnsafeBytes { Array($0) }
  }

  static func shipped(from original: Model) -> Model {
    func tensor(_ name: String, _ dtype: DType, _ shape: [Int], _ bytes: [UInt8]) -> Tensor {
      let storage = ByteStorage.owning(bytes)
      return Tensor(
        info: TensorInfo(name: name, dtype: dtype, shape: shape, file: "shipped"), storage: storage,
        bytes: storage.bytes)
    }
    func values(_ name: String) -> [Float] { original.tensor(named: name)!.decodedValues() }
    let query0 = "encoder.layer.0.attention.query.weight"
    let dense0 = "encoder.layer.0.intermediate.dense.weight"
    return Model(
      path: "golden-q8.gguf",
      tensors: [
        tensor(query0, .ggml(.q8_0), [128, 128], q8_0(values(query0))),
        tensor(dense0, .bf16, [256, 128], bf16(values(dense0))),
        tensor(
          "encoder.layer.1.intermediate.dense.weight", .bf16, [128, 256], bf16([Float](repeating: 0, count: 32768))),
      ], metadata: [:])
  }

  /// A settled session against the shipped copy after `keys`.
  static func state(after keys: String) throws -> State {
    let model = GoldenModel.make()
    let session = Session(
      model: model, modelName: "golden.safetensors", themeNames: ["default"], against: shipped(from: model))
    session.send(.start)
    session.settle()
    for key in try Key.sequence(keys) {
      session.send(.key(key))
      session.settle()
    }
    var state = session.state
    state.lastRecomputeMilliseconds = 12
    return state
  }

  private let theme = Theme.defaultDark

  @Test func theShippedRowFollowsTheFormats() throws {
    let state = try Self.state(after: "")
    let screen = render(state, size: TerminalSize(width: 120, height: 40), theme: theme)
    #expect(screen.plainText.contains("shipped Q8_0"))
    try GoldenScreenTests.check("against-120x40", screen)
    // 80 columns: the wider name column drops `codes` before the shipped row loses its SQNR.
    try GoldenScreenTests.check("against-80x24", render(state, size: TerminalSize(width: 80, height: 24), theme: theme))
  }

  @Test func tensorsWithoutAPartnerShowTheReasonOnTheRow() throws {
    // Layer 1's query has no shipped tensor; its dense weight has another shape.
    let missing = render(try Self.state(after: "jjlj"), size: TerminalSize(width: 120, height: 40), theme: theme)
    #expect(missing.plainText.contains("the shipped model has no such tensor"))
    let shape = render(try Self.state(after: "jjljj"), size: TerminalSize(width: 120, height: 40), theme: theme)
    #expect(shape.plainText.contains("shipped BF16") && shape.plainText.contains("shape [128, 256]"))
    try GoldenScreenTests.check("against-other-shape-120x40", shape)
  }

  @Test func theCompareViewHasTheShippedErrorHistogram() throws {
    let state = try Self.state(after: "ce")
    let screen = render(state, size: TerminalSize(width: 120, height: 40), theme: theme)
    let sqnr = try #require(
      state.focusedShippedOutcome.flatMap { outcome -> Double? in
        if case .done(let result) = outcome { return result.error.sqnrDB }
        return nil
      })
    #expect(screen.plainText.contains("shipped Q8_0  SQNR \(String(format: "%.2f", sqnr)) dB"))
    try GoldenScreenTests.check("against-compare-histograms-120x40", screen)
  }
}
