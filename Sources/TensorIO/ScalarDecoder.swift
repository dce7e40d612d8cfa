/// Decoders from every scalar dtype to Float32, bit-exact for the float types.
///
/// Tensors sit at arbitrary byte offsets in a mapped file, so elements are read with unaligned
/// loads (plain moves on x86-64 and arm64). Nothing is allocated per call except the two
/// 256-entry FP8 tables, built once.
enum ScalarDecoder {
  /// Decodes elements `range` of `bytes` (one tensor, little-endian) into `output`.
  /// The caller (`Tensor.decode`) guarantees `range` lies inside the tensor and `output.count == range.count`,
  /// so every load below is at most `(range.upperBound - 1) * width + width <= bytes.count`.
  static func decode(
    _ dtype: DType, bytes: UnsafeRawBufferPointer, range: Range<Int>, into output: UnsafeMutableBufferPointer<Float>
  ) {
    precondition(output.count == range.count)
    guard let width = dtype.blockBytes, dtype.blockElements == 1, range.upperBound * width <= bytes.count else {
      preconditionFailure("\(dtype) cannot be decoded as scalars over \(bytes.count) bytes")
    }
    guard !range.isEmpty, let base = bytes.baseAddress, let target = output.baseAddress else { return }
    let source = base + range.lowerBound * width
    let count = range.count
    switch dtype {
    case .f32: convert(source, count, target, as: UInt32.self) { Float(bitPattern: $0) }
    case .f16:
      convert(source, count, target, as: UInt16.self) { Float(bitPattern: FloatBits.float32Bits(fromHalf: $0)) }
    case .bf16:
      convert(source, count, target, as: UInt16.self) { Float(bitPattern: FloatBits.float32Bits(fromBFloat16: $0)) }
    case .f64: convert(source, count, target, as: UInt64.self) { Float(Double(bitPattern: $0)) }
    case .f8E4M3: lookUp(source, count, target, in: e4m3Table)
    case .f8E5M2: lookUp(source, count, target, in: e5m2Table)
    case .f8E8M0: lookUp(source, count, target, in: e8m0Table)
    case .i8: convert(source, count, target, as: Int8.self) { Float($0) }
    case .u8: convert(source, count, target, as: UInt8.self) { Float($0) }
    case .bool: convert(source, count, target, as: UInt8.self) { $0 == 0 ? 0 : 1 }
    case .i16: convert(source, count, target, as: Int16.self) { Float($0) }
    case .i32: convert(source, count, target, as: Int32.self) { Float($0) }
    case .i64: convert(source, count, target, as: Int64.self) { Float($0) }
    default: preconditionFailure("\(dtype) is not a scalar dtype")
    }
  }

  /// Reads `count` little-endian `Stored` values from `source` and writes `transform` of each.
  @inline(__always)
  private static func convert<Stored: FixedWidthInteger>(
    _ source: UnsafeRawPointer, _ count: Int, _ target: UnsafeMutablePointer<Float>, as type: Stored.Type,
    _ transform: (Stored) -> Float
  ) {
    let stride = MemoryLayout<Stored>.size
    for index in 0..<count {
      let raw = Stored(littleEndian: source.loadUnaligned(fromByteOffset: index &* stride, as: Stored.self))
      target[index] = transform(raw)
    }
  }

  @inline(__always)
  private static func lookUp(
    _ source: UnsafeRawPointer, _ count: Int, _ target: UnsafeMutablePointer<Float>, in table: [Float]
  ) {
    table.withUnsafeBufferPointer { entries in
      let entries = entries.baseAddress!  // 256 entries, indexed by a byte: always in bounds
      for index in 0..<count { target[index] = entries[Int(source.load(fromByteOffset: index, as: UInt8.self))] }
    }
  }

  private static let e4m3Table: [Float] = (0..<256).map {
    Float(bitPattern: FloatBits.float32Bits(fromE4M3: UInt8($0)))
  }
  private static let e5m2Table: [Float] = (0..<256).map {
    Float(bitPattern: FloatBits.float32Bits(fromE5M2: UInt8($0)))
  }
  private static let e8m0Table: [Float] = (0..<256).map {
    Float(bitPattern: FloatBits.float32Bits(fromE8M0: UInt8($0)))
  }

  /// Decodes elements `range` of an `F4` tensor: two E2M1 values a byte, the first in the low
  /// nibble (PyTorch's `float4_e2m1fn_x2`, which safetensors writes as `F4`). The reader checked
  /// `bytes.count * 2 == count`, so byte `range.upperBound - 1 >> 1` is in bounds.
  static func decodeE2M1(
    bytes: UnsafeRawBufferPointer, range: Range<Int>, into output: UnsafeMutableBufferPointer<Float>
  ) {
    precondition(output.count == range.count && (range.upperBound + 1) / 2 <= bytes.count)
    for (offset, element) in range.enumerated() {
      let byte = bytes[element >> 1]
      output[offset] = FloatBits.e2m1Values[Int(element & 1 == 0 ? byte & 0x0F : byte >> 4)]
    }
  }
}
