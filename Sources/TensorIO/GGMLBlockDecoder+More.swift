/// The block types added after the first eight: the K-quants Q2_K, Q3_K and Q8_K, the lattice
/// (IQ1/IQ2/IQ3) and non-linear (IQ4) types, the ternary TQ types, MXFP4, NVFP4, Q1_0 and Q2_0.
///
/// Each follows ggml's `dequantize_row_*` (ggml/src/ggml-quants.c) with the Float32 operations in
/// the same order (one rounding per product and per sum, no fused multiply-add), which is also
/// the order of gguf-py's `gguf.quants.dequantize`. The lookup tables come from ggml-common.h
/// through `GGMLTables`. No grid index can be out of range: every index is built from as many
/// bits as its grid has entries (8 bits for 256, 9 for 512, 10 for 1024, 11 for 2048, 7 for the
/// 128 sign patterns), so any bytes decode.
extension GGMLBlockDecoder {
  // MARK: K-quants

  /// Q2_K: 16 bytes of 4-bit scale/min pairs, 64 bytes of 2-bit q, f16 d, f16 dmin.
  /// Element 128n + 32j + 16h + l is bits 2j…2j+1 of q[32n + 16h + l], in sub-block 8n + 2j + h;
  /// x = (d·scale)·q − dmin·min.
  static func decodeQ2K(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 80)
    let dmin = half(block, 82)
    for n in 0..<2 {
      for j in 0..<4 {
        let shift = UInt8(2 * j)
        for h in 0..<2 {
          let scale = block[n * 8 + 2 * j + h]
          let factor = d * Float(scale & 0x0F)
          let offset = dmin * Float(scale >> 4)
          let base = n * 128 + j * 32 + h * 16
          for l in 0..<16 {
            out[base + l] = factor * Float((block[16 + n * 32 + h * 16 + l] >> shift) & 3) - offset
          }
        }
      }
    }
  }

  /// Q3_K: 32 bytes of high bits (hmask), 64 bytes of 2-bit q, 12 bytes of 6-bit scales, f16 d.
  /// Like Q2_K's order; the third bit of element 128n + 32j + 16h + l is bit 4n + j of
  /// hmask[16h + l], and it is 1 for q ≥ 0: x = (d·(scale − 32))·(q − (bit ? 0 : 4)).
  static func decodeQ3K(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 108)
    for n in 0..<2 {
      for j in 0..<4 {
        let shift = UInt8(2 * j)
        let mask = UInt8(1) << UInt8(4 * n + j)
        for h in 0..<2 {
          let index = n * 8 + 2 * j + h
          let low = index < 8 ? block[96 + index] & 0x0F : block[96 + index - 8] >> 4
          let high = (block[96 + 8 + index % 4] >> UInt8(2 * (index / 4))) & 3
          let factor = d * Float(Int(low | high << 4) - 32)
          let base = n * 128 + j * 32 + h * 16
          for l in 0..<16 {
            let q = Int((block[32 + n * 32 + h * 16 + l] >> shift) & 3)
            let sign = block[h * 16 + l] & mask != 0 ? 0 : 4
            out[base + l] = factor * Float(q - sign)
          }
        }
      }
    }
  }

  /// Q8_K: f32 d, 256 × int8 q, 16 × int16 sums (for dot products); x = d·q.
  static func decodeQ8K(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = Float(bitPattern: UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
    for index in 0..<256 { out[index] = d * Float(Int8(bitPattern: block[4 + index])) }
  }

  // MARK: Lattice types (IQ1, IQ2, IQ3)

  /// ±1 for bit `bit` of a sign byte (set = negative), multiplied as ggml does.
  @inline(__always)
  private static func sign(_ signs: UInt8, _ bit: Int) -> Float { signs & (1 << UInt8(bit)) != 0 ? -1 : 1 }

  /// Byte `j` of a grid entry, as Float.
  @inline(__always)
  private static func gridByte(_ entry: UInt64, _ j: Int) -> Float {
    Float(UInt8(truncatingIfNeeded: entry >> UInt64(8 * j)))
  }

  @inline(__always)
  private static func uint16(_ block: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
    UInt16(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
  }

  @inline(__always)
  private static func uint32(_ block: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
    UInt32(littleEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
  }

  /// IQ2_XXS: f16 d, then per 32 elements two u32: four 8-bit grid indices, and four 7-bit sign
  /// indices plus a 4-bit scale; x = (d·(0.5 + s)·0.25)·grid·sign.
  static func decodeIQ2XXS(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let grid = GGMLTables.iq2xxsGrid
    let signTable = GGMLTables.signs
    for ib in 0..<8 {
      let indices = uint32(block, 2 + 8 * ib)
      let aux = uint32(block, 2 + 8 * ib + 4)
      let db = d * (0.5 + Float(aux >> 28)) * 0.25
      for l in 0..<4 {
        let entry = grid[Int((indices >> UInt32(8 * l)) & 0xFF)]
        let signs = signTable[Int((aux >> UInt32(7 * l)) & 127)]
        for j in 0..<8 { out[32 * ib + 8 * l + j] = db * gridByte(entry, j) * sign(signs, j) }
      }
    }
  }

  /// IQ2_XS: f16 d, 32 u16 (9-bit grid index, 7-bit sign index), 8 bytes of two 4-bit scales.
  static func decodeIQ2XS(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let grid = GGMLTables.iq2xsGrid
    let signTable = GGMLTables.signs
    for ib in 0..<8 {
      let scales = block[66 + ib]
      let db = (d * (0.5 + Float(scales & 0x0F)) * 0.25, d * (0.5 + Float(scales >> 4)) * 0.25)
      for l in 0..<4 {
        let q = uint16(block, 2 + 2 * (4 * ib + l))
        let entry = grid[Int(q & 511)]
        let signs = signTable[Int(q >> 9)]
        let dl = l < 2 ? db.0 : db.1
        for j in 0..<8 { out[32 * ib + 8 * l + j] = dl * gridByte(entry, j) * sign(signs, j) }
      }
    }
  }

  /// IQ2_S: f16 d, 32 grid index bytes, 32 sign bytes, 8 bytes of index high bits, 8 of scales.
  static func decodeIQ2S(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let grid = GGMLTables.iq2sGrid
    for ib in 0..<8 {
      let scales = block[74 + ib]
      let db = (d * (0.5 + Float(scales & 0x0F)) * 0.25, d * (0.5 + Float(scales >> 4)) * 0.25)
      let high = Int(block[66 + ib])
      for l in 0..<4 {
        let entry = grid[Int(block[2 + 4 * ib + l]) | (high << (8 - 2 * l)) & 0x300]
        let signs = block[34 + 4 * ib + l]
        let dl = l < 2 ? db.0 : db.1
        for j in 0..<8 { out[32 * ib + 8 * l + j] = dl * gridByte(entry, j) * sign(signs, j) }
      }
    }
  }

  /// IQ3_XXS: f16 d, 64 grid index bytes (4 values each), 8 u32 of four 7-bit sign indices and a
  /// 4-bit scale; x = (d·(0.5 + s)·0.5)·grid·sign.
  static func decodeIQ3XXS(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let grid = GGMLTables.iq3xxsGrid
    let signTable = GGMLTables.signs
    for ib in 0..<8 {
      let aux = uint32(block, 66 + 4 * ib)
      let db = d * (0.5 + Float(aux >> 28)) * 0.5
      for l in 0..<4 {
        let signs = signTable[Int((aux >> UInt32(7 * l)) & 127)]
        let first = UInt64(grid[Int(block[2 + 8 * ib + 2 * l])])
        let second = UInt64(grid[Int(block[2 + 8 * ib + 2 * l + 1])])
        for j in 0..<4 {
          out[32 * ib + 8 * l + j] = db * gridByte(first, j) * sign(signs, j)
          out[32 * ib + 8 * l + 4 + j] = db * gridByte(second, j) * sign(signs, j + 4)
        }
      }
    }
  }

  /// IQ3_S: f16 d, 64 grid index bytes, 8 bytes of index ninth bits, 32 sign bytes, 4 bytes of
  /// two 4-bit scales; x = (d·(1 + 2s))·grid·sign.
  static func decodeIQ3S(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let grid = GGMLTables.iq3sGrid
    for ib in 0..<8 {
      let scale = ib % 2 == 0 ? block[106 + ib / 2] & 0x0F : block[106 + ib / 2] >> 4
      let db = d * Float(1 + 2 * Int(scale))
      let high = Int(block[66 + ib])
      for l in 0..<4 {
        let first = UInt64(grid[Int(block[2 + 8 * ib + 2 * l]) | (high << (8 - 2 * l)) & 256])
        let second = UInt64(grid[Int(block[2 + 8 * ib + 2 * l + 1]) | (high << (7 - 2 * l)) & 256])
        let signs = block[74 + 4 * ib + l]
        for j in 0..<4 {
          out[32 * ib + 8 * l + j] = db * gridByte(first, j) * sign(signs, j)
          out[32 * ib + 8 * l + 4 + j] = db * gridByte(second, j) * sign(signs, j + 4)
        }
      }
    }
  }

  /// ggml's IQ1S_DELTA (= IQ1M_DELTA).
  private static let iq1Delta: Float = 0.125

  /// Byte `j` of an iq1s grid entry, a signed −1, 0 or 1.
  @inline(__always)
  private static func signedGridByte(_ entry: UInt64, _ j: Int) -> Float {
    Float(Int8(bitPattern: UInt8(truncatingIfNeeded: entry >> UInt64(8 * j))))
  }

  /// IQ1_S: f16 d, 32 grid index bytes, 8 u16 (four 3-bit index highs, 3-bit scale, delta sign);
  /// x = (d·(2s + 1))·(grid ± 0.125).
  static func decodeIQ1S(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let grid = GGMLTables.iq1sGrid
    for ib in 0..<8 {
      let high = Int(uint16(block, 34 + 2 * ib))
      let dl = d * Float(2 * ((high >> 12) & 7) + 1)
      let delta = high & 0x8000 != 0 ? -iq1Delta : iq1Delta
      for l in 0..<4 {
        let entry = grid[Int(block[2 + 4 * ib + l]) | ((high >> (3 * l)) & 7) << 8]
        for j in 0..<8 { out[32 * ib + 8 * l + j] = dl * (signedGridByte(entry, j) + delta) }
      }
    }
  }

  /// IQ1_M: 32 grid index bytes, 16 bytes of (3-bit index high, delta sign) nibbles, 8 bytes of
  /// 3-bit scales whose top nibbles together hold the f16 d.
  static func decodeIQ1M(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let sc = (uint16(block, 48), uint16(block, 50), uint16(block, 52), uint16(block, 54))
    let bits = (sc.0 >> 12) | ((sc.1 >> 8) & 0x00F0) | ((sc.2 >> 4) & 0x0F00) | (sc.3 & 0xF000)
    let d = Float(bitPattern: FloatBits.float32Bits(fromHalf: bits))
    let grid = GGMLTables.iq1sGrid
    for ib in 0..<8 {
      let scales = Int(uint16(block, 48 + 2 * (ib / 2)))
      let shift = 6 * (ib % 2)
      let dl = (d * Float(2 * ((scales >> shift) & 7) + 1), d * Float(2 * ((scales >> (shift + 3)) & 7) + 1))
      for l in 0..<4 {
        let nibble = Int(block[32 + 2 * ib + l / 2]) >> (4 * (l % 2))
        let entry = grid[Int(block[4 * ib + l]) | (nibble & 7) << 8]
        let delta = nibble & 8 != 0 ? -iq1Delta : iq1Delta
        let factor = l < 2 ? dl.0 : dl.1
        for j in 0..<8 { out[32 * ib + 8 * l + j] = factor * (signedGridByte(entry, j) + delta) }
      }
    }
  }

  // MARK: Non-linear 4-bit

  /// IQ4_NL: f16 d, 16 bytes of nibbles indexing ggml's 16 non-linear values; x = d·value.
  static func decodeIQ4NL(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let values = GGMLTables.iq4nlValues
    for j in 0..<16 {
      let byte = block[2 + j]
      out[j] = d * Float(values[Int(byte & 0x0F)])
      out[j + 16] = d * Float(values[Int(byte >> 4)])
    }
  }

  /// IQ4_XS: f16 d, u16 of 2-bit scale highs, 4 bytes of 4-bit scale lows, 128 bytes of nibbles;
  /// x = (d·(scale − 32))·value.
  static func decodeIQ4XS(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let scalesHigh = Int(uint16(block, 2))
    let values = GGMLTables.iq4nlValues
    for ib in 0..<8 {
      let low = Int(block[4 + ib / 2] >> UInt8(4 * (ib % 2))) & 0x0F
      let scale = low | ((scalesHigh >> (2 * ib)) & 3) << 4
      let dl = d * Float(scale - 32)
      for j in 0..<16 {
        let byte = block[8 + 16 * ib + j]
        out[32 * ib + j] = dl * Float(values[Int(byte & 0x0F)])
        out[32 * ib + 16 + j] = dl * Float(values[Int(byte >> 4)])
      }
    }
  }

  // MARK: Ternary

  /// One base-3 digit of a TQ1_0 byte: the byte times 3^n (mod 256), then its top "trit".
  @inline(__always)
  private static func trit(_ byte: UInt8, _ power: UInt8) -> Float {
    let q = byte &* power
    return Float(Int((UInt16(q) * 3) >> 8) - 1)
  }

  /// TQ1_0: 48 bytes of five trits each, 4 bytes of four trits each, f16 d; x = (t − 1)·d.
  static func decodeTQ1_0(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 52)
    var power: UInt8 = 1  // 3^n
    for n in 0..<5 {
      for m in 0..<32 { out[n * 32 + m] = trit(block[m], power) * d }
      for m in 0..<16 { out[160 + n * 16 + m] = trit(block[32 + m], power) * d }
      if n < 4 {
        for j in 0..<4 { out[240 + n * 4 + j] = trit(block[48 + j], power) * d }
      }
      power &*= 3
    }
  }

  /// TQ2_0: 64 bytes of four 2-bit values each, f16 d; x = (q − 1)·d.
  static func decodeTQ2_0(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 64)
    for half in 0..<2 {
      for l in 0..<4 {
        for m in 0..<32 {
          let q = Int((block[32 * half + m] >> UInt8(2 * l)) & 3)
          out[128 * half + 32 * l + m] = Float(q - 1) * d
        }
      }
    }
  }

  // MARK: FP4

  /// MXFP4: an E8M0 scale byte and 16 bytes of E2M1 nibbles (ggml's doubled values, so the scale
  /// is halved: `ggml_e8m0_to_fp32_half`); x = value·scale.
  static func decodeMXFP4(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let e = UInt32(block[0])
    let d = Float(bitPattern: e < 2 ? 0x0020_0000 << e : (e - 1) << 23)
    let values = GGMLTables.fp4Values
    for j in 0..<16 {
      let byte = block[1 + j]
      out[j] = Float(values[Int(byte & 0x0F)]) * d
      out[j + 16] = Float(values[Int(byte >> 4)]) * d
    }
  }

  /// ggml's `ggml_ue4m3_to_fp32`: an unsigned E4M3 scale (bias 7), halved for the doubled values;
  /// 0x00 and 0x7F are 0. Every value is exact in Float32.
  static func ue4m3(_ byte: UInt8) -> Float {
    guard byte != 0, byte != 0x7F else { return 0 }
    let exponent = Int((byte >> 3) & 0x0F)
    let mantissa = Float(byte & 0x07)
    let raw =
      exponent == 0
      ? mantissa * 0x1p-9 : (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
    return raw * 0.5
  }

  /// NVFP4: four UE4M3 scales (one per 16 elements), 32 bytes of E2M1 nibbles: sub-block s holds
  /// elements 16s + j (low nibble of byte 8s + j) and 16s + 8 + j (high nibble). ggml's block has
  /// no per-tensor scale; x = value·scale.
  static func decodeNVFP4(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let values = GGMLTables.fp4Values
    for s in 0..<4 {
      let d = ue4m3(block[s])
      for j in 0..<8 {
        let byte = block[4 + 8 * s + j]
        out[16 * s + j] = Float(values[Int(byte & 0x0F)]) * d
        out[16 * s + 8 + j] = Float(values[Int(byte >> 4)]) * d
      }
    }
  }

  // MARK: 1- and 2-bit

  /// Q1_0 (128 elements): f16 d, 16 bytes of sign bits (bit j % 8 of byte j / 8); x = bit ? d : −d.
  static func decodeQ1_0(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    let negative = -d
    for j in 0..<128 { out[j] = (block[2 + j / 8] >> UInt8(j % 8)) & 1 != 0 ? d : negative }
  }

  /// Q2_0 (64 elements): f16 d, 16 bytes of 2-bit q (bits 2(j % 4) of byte j / 4); x = (q − 1)·d.
  static func decodeQ2_0(_ block: UnsafeRawBufferPointer, _ out: UnsafeMutableBufferPointer<Float>) {
    let d = half(block, 0)
    for j in 0..<64 {
      let q = Int((block[2 + j / 4] >> UInt8(2 * (j % 4))) & 3)
      out[j] = Float(q - 1) * d
    }
  }
}
