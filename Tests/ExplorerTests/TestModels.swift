import TensorIO

@testable import Explorer

/// Small in-memory models for the explorer's tests: deterministic values, no files.
enum TestModels {
  /// A t-like tensor (a ratio of a uniform and a square root, deterministic), rows × columns.
  static func heavyTailed(rows: Int, columns: Int, seed: UInt64, scale: Float = 0.02) -> [Float] {
    var state = seed
    func uniform() -> Float {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (Float(state >> 40) + 0.5) / Float(1 << 24)
    }
    return (0..<(rows * columns)).map { _ in
      let u = uniform() * 2 - 1
      let v = uniform()
      return scale * u / max(v.squareRoot(), 0.2)
    }
  }

  static func tensor(_ name: String, _ values: [Float], shape: [Int]) -> Tensor {
    let storage = ByteStorage.owning(values.withUnsafeBytes { Array($0) })
    return Tensor(
      info: TensorInfo(name: name, dtype: .f32, shape: shape, file: "memory"), storage: storage, bytes: storage.bytes)
  }

  static func int64Tensor(_ name: String, count: Int) -> Tensor {
    let values = (0..<count).map { Int64($0) }
    let storage = ByteStorage.owning(values.withUnsafeBytes { Array($0) })
    return Tensor(
      info: TensorInfo(name: name, dtype: .i64, shape: [count], file: "memory"), storage: storage,
      bytes: storage.bytes)
  }

  /// Two blocks of two weights, an I64 buffer and an all-NaN tensor.
  static func small() -> Model {
    Model(
      path: "memory.safetensors",
      tensors: [
        tensor("layers.0.mlp.weight", heavyTailed(rows: 64, columns: 128, seed: 1), shape: [64, 128]),
        tensor("layers.0.attn.weight", heavyTailed(rows: 32, columns: 128, seed: 2), shape: [32, 128]),
        tensor("layers.1.mlp.weight", heavyTailed(rows: 64, columns: 128, seed: 3), shape: [64, 128]),
        tensor("layers.1.attn.weight", heavyTailed(rows: 32, columns: 128, seed: 4), shape: [32, 128]),
        int64Tensor("position_ids", count: 16),
        tensor("broken.weight", [Float](repeating: .nan, count: 256), shape: [2, 128]),
      ], metadata: [:])
  }
}
