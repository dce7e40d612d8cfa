/// The value of every bit pattern of a 16-bit float type, for code that counts patterns instead
/// of decoding elements (Fits' `SixteenBitCounts`, Kernels' `PatternCounts`).
public enum SixteenBitPatterns {
  public static let count = 1 << 16

  /// `values[p]`: pattern `p` of `dtype` (F16 or BF16) decoded by the tensor decoder, so the
  /// values are exactly those every other path sees (NaN and ±Inf included).
  public static func values(of dtype: DType) -> [Float] {
    precondition(dtype == .bf16 || dtype == .f16, "16-bit patterns are of F16 or BF16")
    var bytes = [UInt8](repeating: 0, count: 2 * count)
    for pattern in 0..<count {
      bytes[2 * pattern] = UInt8(truncatingIfNeeded: pattern)
      bytes[2 * pattern + 1] = UInt8(truncatingIfNeeded: pattern >> 8)
    }
    let storage = ByteStorage.owning(bytes)
    let info = TensorInfo(name: "patterns", dtype: dtype, shape: [count], file: "memory")
    let patterns = Tensor(info: info, storage: storage, bytes: storage.bytes)
    var values = [Float](repeating: 0, count: count)
    values.withUnsafeMutableBufferPointer { patterns.decode(0..<count, into: $0) }
    return values
  }
}
