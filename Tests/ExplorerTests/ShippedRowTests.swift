import Formats
import Foundation
import TensorIO
import Testing

@testable import Explorer
@testable import Kernels

/// `--against SHIPPED` in the explorer: the shipped row's error against sums written out here,
/// on an in-memory original (Hugging Face names) and a shipped BF16 GGUF-named model whose q rows
/// are permuted as llama.cpp's converter permutes them.
struct ShippedRowTests {
  static let heads = 2

  /// BF16 by round to nearest, ties to even, as the test writes it (not tscope's encoder).
  static func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    return UInt16((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16)
  }

  static func bfloat16(_ value: Float) -> Float { Float(bitPattern: UInt32(bfloat16Bits(value)) << 16) }

  static func bf16Tensor(_ name: String, _ values: [Float], shape: [Int]) -> Tensor {
    let halves = values.map(bfloat16Bits)
    let storage = ByteStorage.owning(halves.withUnsafeBytes { Array($0) })
    return Tensor(
      info: TensorInfo(name: name, dtype: .bf16, shape: shape, file: "shipped"), storage: storage,
      bytes: storage.bytes)
  }

  /// `LlamaModel.permute`'s `reshape(heads, 2, half, cols).swapaxes(1, 2)` as loops: GGUF row
  /// (h, i, j) holds Hugging Face row (h, j, i).
  static func permuted(_ rows: [[Float]], heads: Int) -> [[Float]] {
    let half = rows.count / heads / 2
    var out: [[Float]] = []
    for head in 0..<heads {
      for i in 0..<half {
        for j in 0..<2 { out.append(rows[head * 2 * half + j * half + i]) }
      }
    }
    return out
  }

  static let q = TestModels.heavyTailed(rows: 16, columns: 128, seed: 21)
  static let down = TestModels.heavyTailed(rows: 8, columns: 128, seed: 22)

  static func original() -> Model {
    Model(
      path: "original.safetensors",
      tensors: [
        TestModels.tensor("model.layers.0.self_attn.q_proj.weight", q, shape: [16, 128]),
        TestModels.tensor("model.layers.0.mlp.down_proj.weight", down, shape: [8, 128]),
        TestModels.tensor(
          "model.layers.0.mlp.up_proj.weight", TestModels.heavyTailed(rows: 4, columns: 128, seed: 23), shape: [4, 128]),
        TestModels.tensor("model.norm.weight", [Float](repeating: 1, count: 64), shape: [64]),
      ], metadata: [:])
  }

  static func shipped() -> Model {
    let qRows = (0..<16).map { Array(q[($0 * 128)..<(($0 + 1) * 128)]) }
    return Model(
      path: "/somewhere/shipped.gguf",
      tensors: [
        bf16Tensor("blk.0.attn_q.weight", permuted(qRows, heads: heads).flatMap { $0 }, shape: [16, 128]),
        bf16Tensor("blk.0.ffn_down.weight", down, shape: [8, 128]),
        bf16Tensor("blk.0.ffn_up.weight", [Float](repeating: 0, count: 512), shape: [128, 4]),
      ],
      metadata: [
        "general.architecture": "llama", "llama.attention.head_count": "\(heads)",
        "llama.attention.head_count_kv": "\(heads)",
      ])
  }

  /// Σx², Σ(x − bf16(x))² and max |x − bf16(x)| in Float64.
  static func truth(_ values: [Float]) -> (signal: Double, noise: Double, maxAbs: Double) {
    var signal = 0.0
    var noise = 0.0
    var maxAbs = 0.0
    for value in values {
      let x = Double(value)
      let difference = x - Double(bfloat16(value))
      signal += x * x
      noise += difference * difference
      maxAbs = max(maxAbs, abs(difference))
    }
    return (signal, noise, maxAbs)
  }

  static func session() -> Session {
    let session = Session(model: original(), modelName: "original.safetensors", against: shipped())
    session.send(.start)
    session.settle()
    return session
  }

  @Test func theShippedRowIsTheErrorOfTheShippedValuesWithTheRowsPutBack() throws {
    let session = Self.session()
    var state = session.state
    #expect(state.modelName == "original.safetensors vs shipped.gguf")
    #expect(state.focusedTensor == 0)
    #expect(!state.isComputing)
    #expect(state.focusedShippedMatch?.rowName == "shipped BF16")
    // Down to the second tensor (the tree's first rows are its two groups' tensors).
    for _ in 0..<6 where state.focusedTensor != 1 {
      session.send(.key(.down))
      session.settle()
      state = session.state
    }
    for (name, values) in [
      ("model.layers.0.self_attn.q_proj.weight", Self.q), ("model.layers.0.mlp.down_proj.weight", Self.down),
    ] {
      guard case .done(let result)? = state.shippedResults[name] else {
        Issue.record("no shipped result for \(name): \(String(describing: state.shippedResults[name]))")
        continue
      }
      let truth = Self.truth(values)
      #expect(result.error.count == values.count)
      #expect(abs(result.error.errorSum - truth.noise) <= 1e-12 * truth.noise, "\(name)")
      #expect(abs(result.error.sqnrDB - 10 * log10(truth.signal / truth.noise)) < 1e-9, "\(name)")
      #expect(abs(result.error.mse - truth.noise / Double(values.count)) <= 1e-12 * truth.noise)
      #expect(result.error.maxAbsError == truth.maxAbs)
      #expect(result.bitsPerWeight == 16)
      // The tensor fits the sample: every element is in the error histogram, inside its range.
      #expect(result.errorHistogram.total == values.count)
      #expect(result.errorHistogram.upper >= truth.maxAbs && result.errorHistogram.upper < truth.maxAbs * 1.001)
    }
  }

  @Test func tensorsWithoutAShippedPartnerSayWhy() throws {
    let state = Self.session().state
    let matches = try #require(state.shipped?.matches)
    #expect(matches["model.norm.weight"]?.reason == "the shipped model has no such tensor")
    #expect(matches["model.norm.weight"]?.rowName == "shipped")
    let up = try #require(matches["model.layers.0.mlp.up_proj.weight"])
    #expect(up.rowName == "shipped BF16" && up.reason?.hasPrefix("shape [128, 4]") == true)
    #expect(matches["model.layers.0.self_attn.q_proj.weight"]?.reason == nil)
  }

  @Test func aNewFocusCancelsThePassAndTheSameTensorIsMeasuredAgainAfterAReload() throws {
    // Pure update: the pass starts once the tensor is ready; a reload (rotation) of the focused
    // tensor while it runs asks again under the new generation; a result ends the request.
    let original = Self.original()
    var state = State(
      modelName: "m", tensors: original.tensors.enumerated().map { TensorEntry(index: $0.offset, info: $0.element) })
    state.shipped = ShippedComparison(original: original, shipped: Self.shipped())
    var effects: [Effect]
    (state, effects) = update(state, .start)
    #expect(!effects.contains { if case .measureShipped = $0 { true } else { false } })
    let loaded = try Analysis.load(original.tensor(at: 0), entry: state.tensors[0]) { false }
    (state, effects) = update(state, .loaded(generation: state.generation, loaded))
    let first = try #require(state.shippedRequest)
    #expect(effects.contains(.measureShipped(first)))
    #expect(state.isComputing)
    (state, effects) = update(state, .key(.character("r")))
    #expect(state.shippedRequest == nil)
    let reloaded = try Analysis.load(
      original.tensor(at: 0), entry: state.tensors[0], rotation: state.rotation
    ) { false }
    (state, effects) = update(state, .loaded(generation: state.generation, reloaded))
    let second = try #require(state.shippedRequest)
    #expect(second.tensor == first.tensor && second.generation > first.generation)
    #expect(effects.contains(.measureShipped(second)))
    let result = ShippedResult(
      error: ShippedError(count: 1, finiteCount: 1, nonFiniteCount: 0, signalSum: 1, errorSum: 0.5, maxAbsError: 0.7),
      bitsPerWeight: 16, errorHistogram: .empty(lower: -1, upper: 1, bins: 4))
    (state, effects) = update(state, .shippedMeasured(tensor: first.tensor, .done(result)))
    #expect(state.shippedRequest == nil)
    #expect(state.focusedShippedOutcome == .done(result))
    #expect(!effects.contains { if case .measureShipped = $0 { true } else { false } })
  }

  @Test func aShippedFileChangedOnDiskIsNamedOnTheRowAndInTheStatus() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tscope-against-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let values = TestModels.heavyTailed(rows: 64, columns: 64, seed: 31)
    let header = Array(#"{"w":{"dtype":"F32","shape":[64,64],"data_offsets":[0,16384]}}"#.utf8)
    let length = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * $0)) }
    let path = folder.appendingPathComponent("shipped.safetensors").path
    try Data(length + header + values.withUnsafeBytes { Array($0) }).write(to: URL(fileURLWithPath: path))
    let shipped = try Model.open(path)
    #expect(truncate(path, 100) == 0)
    let original = Model(
      path: "original.safetensors", tensors: [TestModels.tensor("w", values, shape: [64, 64])], metadata: [:])
    let session = Session(model: original, modelName: "original.safetensors", against: shipped)
    session.send(.start)
    session.settle()
    let size = 8 + header.count + 16384
    let line =
      "\(path): changed on disk (size \(size / 1000),\(String(format: "%03d", size % 1000)) → 100 bytes) since it was opened"
    // The original is intact: its own rows are there; the shipped row and the status say what changed.
    #expect(session.state.tensorStatus == .ready)
    #expect(session.state.shippedResults["w"] == .failed(line))
    #expect(session.state.fileProblem == line)
    #expect(!session.state.isComputing)
  }
}
