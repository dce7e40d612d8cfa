/// Decoders from GGML block-quantized types to Float32, value for value as gguf-py's
/// `gguf.quants.dequantize` (the reference ggml-quants.c arithmetic: one Float32 rounding per
/// product and per sum, in the same order, no fused multiply-add).
///
/// A tensor of a block type is a sequence of fixed-size blocks along each row (rows are whole
/// blocks, checked on load), so flat element `e` lies in block `e / blockElements`. Any element
/// range is decoded by decoding each enclosing block and copying the part that is asked for.
enum GGMLBlockDecoder {
  static func decode(
    _ dtype: DType, bytes: UnsafeRawBufferPointer, range: Range<Int>, into output: UnsafeMutableBufferPointer<Float>
  ) {
    guard !range.isEmpty, let blockBytes = dtype.blockBytes else { return }
    let blockElements = dtype.blockElements
    let decodeBlock = blockDecoder(for: dtype)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: blockElements) { scratch in
      var element = range.lowerBound
      var written = 0
      while element < range.upperBound {
        let block = element / blockElements
        let first = element - block * blockElements
        let take = min(blockElements - first, range.upperBound - element)
        // In bounds: element < range.upperBound <= count, so block < count / blockElements, and the
        // reader checked bytes.count == (count / blockElements) * blockBytes.
        let start = block * blockBytes
        let source = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + blockBytes)])
        if take == blockElements {
          decodeBlock(source, UnsafeMutableBufferPointer(rebasing: output[written..<(written + take)]))
        } else {
          decodeBlock(source, scratch)
          for index in 0..<take { output[written + index] = scratch[first + index] }
        }
        element += take
        written += take
      }
    }
  }

  typealias BlockDecoder = (UnsafeRawBufferPointer, UnsafeMutableBufferPointer<Float>) -> Void

  private static func blockDecoder(for dtype: DType) -> BlockDecoder {
    switch dtype {
    case .q8_0: decodeQ8_0
    case .q4_0: decodeQ4_0
    case .q4_1: decodeQ4_1
    case .q5_0: decodeQ5_0
    case .q5_1: decodeQ5_1
    case .q4K: decodeQ4K
    case .q5K: decodeQ5K
    case .q6K: decodeQ6K
    default: preconditionFailure("\(dtype) is not a GGML block type")
    }
  }

  // MARK: 32-element blocks

  /// Q8_0: f16 d, 32 × int8 q; x = q·d.
  static func decodeQ8_0(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    for index in 0..<32 { out[index] = Float(Int8(bitPattern: block[2 + index])) * d }
  }

  /// The 4-bit value of element `index` (0..<32) of a block whose nibbles start at `offset`:
  /// low nibbles hold elements 0–15, high nibbles 16–31.
  @inline(__always)
  private static func nibble(_ block: UnsafeRawBufferPointer, _ offset: Int, _ index: Int) -> UInt8 {
    let byte = block[offset + index % 16]
    return index < 16 ? byte & 0x0F : byte >> 4
  }

  /// Q4_0: f16 d, 16 bytes of nibbles; x = d·(q − 8).
  static func decodeQ4_0(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    for index in 0..<32 { out[index] = d * Float(Int(nibble(block, 2, index)) - 8) }
  }

  /// Q4_1: f16 d, f16 m, 16 bytes of nibbles; x = d·q + m.
  static func decodeQ4_1(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let m = half(block, 2)
    for index in 0..<32 { out[index] = d * Float(nibble(block, 4, index)) + m }
  }

  /// Q5_0: f16 d, u32 high bits, 16 bytes of nibbles; x = d·(q − 16).
  static func decodeQ5_0(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let high = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
    for index in 0..<32 {
      let q = Int(nibble(block, 6, index)) | Int((high >> UInt32(index)) & 1) << 4
      out[index] = d * Float(q - 16)
    }
  }

  /// Q5_1: f16 d, f16 m, u32 high bits, 16 bytes of nibbles; x = d·q + m.
  static func decodeQ5_1(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let m = half(block, 2)
    let high = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
    for index in 0..<32 {
      let q = Int(nibble(block, 8, index)) | Int((high >> UInt32(index)) & 1) << 4
      out[index] = d * Float(q) + m
    }
  }

  // MARK: 256-element super-blocks (K-quants)

  /// The 6-bit scale and min of sub-block `j` (0..<8) from the 12 packed bytes at `offset`
  /// (gguf-py's `Q4_K.get_scale_min`).
  @inline(__always)
  private static func scaleAndMin(_ block: UnsafeRawBufferPointer, _ offset: Int, _ j: Int) -> (UInt8, UInt8) {
    if j < 4 {
      return (block[offset + j] & 0x3F, block[offset + 4 + j] & 0x3F)
    }
    let packed = block[offset + 8 + j - 4]
    let scale = (packed & 0x0F) | ((block[offset + j - 4] >> 2) & 0x30)
    let minimum = (packed >> 4) | ((block[offset + 4 + j - 4] >> 2) & 0x30)
    return (scale, minimum)
  }

  /// Q4_K: f16 d, f16 dmin, 12 bytes of scales/mins, 128 bytes of nibbles. Sub-block s (32
  /// elements) takes the low (even s) or high (odd s) nibbles of bytes 32·(s/2)…; x = (d·sc)·q − dmin·m.
  static func decodeQ4K(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let dmin = half(block, 2)
    for sub in 0..<8 {
      let (scale, minimum) = scaleAndMin(block, 4, sub)
      let factor = d * Float(scale)
      let offset = dmin * Float(minimum)
      let base = 16 + (sub / 2) * 32
      let shift = UInt8((sub % 2) * 4)
      for index in 0..<32 {
        let q = (block[base + index] >> shift) & 0x0F
        out[sub * 32 + index] = factor * Float(q) - offset
      }
    }
  }

  /// Q5_K: like Q4_K plus 32 bytes of high bits after the scales: bit s of byte i is the fifth
  /// bit of element i of sub-block s.
  static func decodeQ5K(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let dmin = half(block, 2)
    for sub in 0..<8 {
      let (scale, minimum) = scaleAndMin(block, 4, sub)
      let factor = d * Float(scale)
      let offset = dmin * Float(minimum)
      let base = 48 + (sub / 2) * 32
      let shift = UInt8((sub % 2) * 4)
      for index in 0..<32 {
        let low = (block[base + index] >> shift) & 0x0F
        let high = (block[16 + index] >> UInt8(sub)) & 1
        out[sub * 32 + index] = factor * Float(low | high << 4) - offset
      }
    }
  }

  /// Q6_K: 128 bytes of low nibbles, 64 bytes of 2-bit highs, 16 int8 scales, f16 d.
  /// Element e = 128·h + r: low nibble of ql[64·h + r % 64] (high nibble when r ≥ 64), high bits
  /// 2·(r / 32) of qh[32·h + r % 32]; x = (d·scale[e / 16])·(q − 32).
  static func decodeQ6K(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 208)
    for element in 0..<256 {
      let half128 = element / 128
      let rest = element % 128
      let lowByte = block[half128 * 64 + rest % 64]
      let low = rest < 64 ? lowByte & 0x0F : lowByte >> 4
      let high = (block[128 + half128 * 32 + rest % 32] >> UInt8(2 * (rest / 32))) & 0x03
      let q = Int(low | high << 4) - 32
      let scale = Float(Int8(bitPattern: block[192 + element / 16]))
      out[element] = (d * scale) * Float(q)
    }
  }

  // MARK: Half precision

  @inline(__always)
  private static func half(_ block: UnsafeRawBufferPointer, _ offset: Int) -> Float {
    let bits = UInt16(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    return Float(bitPattern: FloatBits.float32Bits(fromHalf: bits))
  }
}
