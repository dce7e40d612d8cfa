import TensorIO

/// In-memory tensors for kernel tests.
enum TensorFixtures {
  static func f32(_ values: [Float], shape: [Int]? = nil) -> Tensor {
    var bytes: [UInt8] = []
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
    return tensor(bytes, dtype: .f32, shape: shape ?? [values.count])
  }

  /// BF16 holding the top half of each Float (exact for values whose low 16 bits are zero).
  static func bf16(_ values: [Float], shape: [Int]? = nil) -> Tensor {
    var bytes: [UInt8] = []
    for value in values {
      withUnsafeBytes(of: UInt16(truncatingIfNeeded: value.bitPattern >> 16).littleEndian) { bytes += $0 }
    }
    return tensor(bytes, dtype: .bf16, shape: shape ?? [values.count])
  }

  /// F16 holding each Float rounded to Float16 (exact for values Float16 represents).
  static func f16(_ values: [Float], shape: [Int]? = nil) -> Tensor {
    var bytes: [UInt8] = []
    for value in values { withUnsafeBytes(of: Float16(value).bitPattern.littleEndian) { bytes += $0 } }
    return tensor(bytes, dtype: .f16, shape: shape ?? [values.count])
  }

  private static func tensor(_ bytes: [UInt8], dtype: DType, shape: [Int]) -> Tensor {
    let storage = ByteStorage.owning(bytes)
    return Tensor(
      info: TensorInfo(name: "t", dtype: dtype, shape: shape, file: "memory"), storage: storage, bytes: storage.bytes)
  }
}
