/// Decoders from GGML block-quantized types to Float32, value for value as gguf-py's
/// `gguf.quants.dequantize` (the reference ggml-quants.c arithmetic: one Float32 rounding per
/// product and per sum, in the same order, no fused multiply-add).
///
/// A tensor of a block type is a sequence of fixed-size blocks along each row (rows are whole
/// blocks, checked on load), so flat element `e` lies in block `e / blockElements`. Any element
/// range is decoded by decoding each enclosing block and copying the part that is asked for.
enum GGMLBlockDecoder {
  static func decode(
    _ type: GGMLBlockType, bytes: UnsafeRawBufferPointer, range: Range<Int>,
    into output: UnsafeMutableBufferPointer<Float>
  ) {
    guard !range.isEmpty else { return }
    let blockBytes = type.blockBytes
    let blockElements = type.blockElements
    let decodeBlock = blockDecoder(for: type)
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

  private static func blockDecoder(for type: GGMLBlockType) -> BlockDecoder {
    switch type {
    case .q8_0: decodeQ8_0
    case .q8_1: decodeQ8_1
    case .q4_0: decodeQ4_0
    case .q4_1: decodeQ4_1
    case .q5_0: decodeQ5_0
    case .q5_1: decodeQ5_1
    case .q2K: decodeQ2K
    case .q3K: decodeQ3K
    case .q4K: decodeQ4K
    case .q5K: decodeQ5K
    case .q6K: decodeQ6K
    case .q8K: decodeQ8K
    case .iq2XXS: decodeIQ2XXS
    case .iq2XS: decodeIQ2XS
    case .iq2S: decodeIQ2S
    case .iq3XXS: decodeIQ3XXS
    case .iq3S: decodeIQ3S
    case .iq1S: decodeIQ1S
    case .iq1M: decodeIQ1M
    case .iq4NL: decodeIQ4NL
    case .iq4XS: decodeIQ4XS
    case .tq1_0: decodeTQ1_0
    case .tq2_0: decodeTQ2_0
    case .mxfp4: decodeMXFP4
    case .nvfp4: decodeNVFP4
    case .q1_0: decodeQ1_0
    case .q2_0: decodeQ2_0
    }
  }

  // MARK: 32-element blocks

  /// Q8_0: f16 d, 32 × int8 q; x = q·d.
  static func decodeQ8_0(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    for index in 0..<32 { out[index] = Float(Int8(bitPattern: block[2 + index])) * d }
  }

  /// Q8_1: f16 d, f16 s (d·Σq, for dot products), 32 × int8 q; x = q·d. ggml has no
  /// `dequantize_row_q8_1` (the type only feeds dot products); this is what its quantizer stored.
  static func decodeQ8_1(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    for index in 0..<32 { out[index] = Float(Int8(bitPattern: block[4 + index])) * d }
  }

  /// Q4_0: f16 d, 16 bytes of nibbles (low nibbles hold elements 0–15, high 16–31); x = d·(q − 8).
  static func decodeQ4_0(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    for index in 0..<16 {
      let byte = block[2 + index]
      out[index] = d * Float(Int(byte & 0x0F) - 8)
      out[index + 16] = d * Float(Int(byte >> 4) - 8)
    }
  }

  /// Q4_1: f16 d, f16 m, 16 bytes of nibbles; x = d·q + m.
  static func decodeQ4_1(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let m = half(block, 2)
    for index in 0..<16 {
      let byte = block[4 + index]
      out[index] = d * Float(byte & 0x0F) + m
      out[index + 16] = d * Float(byte >> 4) + m
    }
  }

  /// The two 5-bit values at `index` and `index + 16`: nibbles from `byte`, fifth bits from `high`.
  @inline(__always)
  private static func fiveBitPair(_ byte: UInt8, _ high: UInt32, _ index: Int) -> (Int, Int) {
    let low = Int(byte & 0x0F) | Int((high &>> UInt32(index)) & 1) << 4
    let upper = Int(byte >> 4) | Int((high &>> UInt32(index + 16)) & 1) << 4
    return (low, upper)
  }

  /// Q5_0: f16 d, u32 of fifth bits, 16 bytes of nibbles; x = d·(q − 16).
  static func decodeQ5_0(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let high = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
    for index in 0..<16 {
      let (low, upper) = fiveBitPair(block[6 + index], high, index)
      out[index] = d * Float(low - 16)
      out[index + 16] = d * Float(upper - 16)
    }
  }

  /// Q5_1: f16 d, f16 m, u32 of fifth bits, 16 bytes of nibbles; x = d·q + m.
  static func decodeQ5_1(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let m = half(block, 2)
    let high = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
    for index in 0..<16 {
      let (low, upper) = fiveBitPair(block[8 + index], high, index)
      out[index] = d * Float(low) + m
      out[index + 16] = d * Float(upper) + m
    }
  }

  // MARK: 256-element super-blocks (K-quants)

  /// The 6-bit scale and min of sub-block `j` (0..<8) from the 12 packed bytes at `offset`
  /// (gguf-py's `Q4_K.get_scale_min`).
  @inline(__always)
  static func scaleAndMin(_ block: UnsafeRawBufferPointer, _ offset: Int, _ j: Int) -> (UInt8, UInt8) {
    if j < 4 {
      return (block[offset + j] & 0x3F, block[offset + 4 + j] & 0x3F)
    }
    let packed = block[offset + 8 + j - 4]
    let scale = (packed & 0x0F) | ((block[offset + j - 4] >> 2) & 0x30)
    let minimum = (packed >> 4) | ((block[offset + 4 + j - 4] >> 2) & 0x30)
    return (scale, minimum)
  }

  /// Q4_K: f16 d, f16 dmin, 12 bytes of scales/mins, 128 bytes of nibbles. Chunk c of 32 bytes
  /// holds sub-blocks 2c (low nibbles) and 2c + 1 (high nibbles); x = (d·sc)·q − dmin·m.
  static func decodeQ4K(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let dmin = half(block, 2)
    for chunk in 0..<4 {
      let (lowScale, lowMin) = scaleAndMin(block, 4, 2 * chunk)
      let (highScale, highMin) = scaleAndMin(block, 4, 2 * chunk + 1)
      let lowFactor = d * Float(lowScale)
      let lowOffset = dmin * Float(lowMin)
      let highFactor = d * Float(highScale)
      let highOffset = dmin * Float(highMin)
      for index in 0..<32 {
        let byte = block[16 + chunk * 32 + index]
        out[chunk * 64 + index] = lowFactor * Float(byte & 0x0F) - lowOffset
        out[chunk * 64 + 32 + index] = highFactor * Float(byte >> 4) - highOffset
      }
    }
  }

  /// Q5_K: like Q4_K plus 32 bytes of high bits after the scales: bit s of byte i is the fifth
  /// bit of element i of sub-block s.
  static func decodeQ5K(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let dmin = half(block, 2)
    for chunk in 0..<4 {
      let (lowScale, lowMin) = scaleAndMin(block, 4, 2 * chunk)
      let (highScale, highMin) = scaleAndMin(block, 4, 2 * chunk + 1)
      let lowFactor = d * Float(lowScale)
      let lowOffset = dmin * Float(lowMin)
      let highFactor = d * Float(highScale)
      let highOffset = dmin * Float(highMin)
      let lowBit = UInt8(2 * chunk)
      for index in 0..<32 {
        let byte = block[48 + chunk * 32 + index]
        let fifth = block[16 + index] &>> lowBit
        let low = (byte & 0x0F) | (fifth & 1) << 4
        let high = (byte >> 4) | ((fifth >> 1) & 1) << 4
        out[chunk * 64 + index] = lowFactor * Float(low) - lowOffset
        out[chunk * 64 + 32 + index] = highFactor * Float(high) - highOffset
      }
    }
  }

  /// Q6_K: 128 bytes of low nibbles, 64 bytes of 2-bit highs, 16 int8 scales, f16 d.
  /// Each half h of 128 elements uses ql[64h ..< 64h+64] and qh[32h ..< 32h+32]: element
  /// 128h + 32k + j (k = 0…3, j < 32) takes the low (k < 2) or high nibble of ql[64h + 32(k % 2) + j]
  /// and bits 2k…2k+1 of qh[32h + j]; x = (d·scale[e / 16])·(q − 32).
  static func decodeQ6K(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 208)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { scales in
      for group in 0..<16 { scales[group] = d * Float(Int8(bitPattern: block[192 + group])) }
      for h in 0..<2 {
        for j in 0..<32 {
          let first = block[h * 64 + j]
          let second = block[h * 64 + 32 + j]
          let high = block[128 + h * 32 + j]
          let base = h * 128 + j
          let q0 = (first & 0x0F) | (high & 0x03) << 4
          let q1 = (second & 0x0F) | ((high >> 2) & 0x03) << 4
          let q2 = (first >> 4) | ((high >> 4) & 0x03) << 4
          let q3 = (second >> 4) | ((high >> 6) & 0x03) << 4
          out[base] = scales[base / 16] * Float(Int(q0) - 32)
          out[base + 32] = scales[(base + 32) / 16] * Float(Int(q1) - 32)
          out[base + 64] = scales[(base + 64) / 16] * Float(Int(q2) - 32)
          out[base + 96] = scales[(base + 96) / 16] * Float(Int(q3) - 32)
        }
      }
    }
  }

  // MARK: Half precision

  @inline(__always)
  static func half(_ block: UnsafeRawBufferPointer, _ offset: Int) -> Float {
    let bits = UInt16(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    return Float(bitPattern: FloatBits.float32Bits(fromHalf: bits))
  }
}
