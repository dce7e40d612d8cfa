/// Bit-exact widenings of the narrow float formats to Float32 bit patterns.
///
/// Every function is exact: each narrow value is representable in Float32, so there is no rounding.
/// NaN payloads are kept (shifted into the high mantissa bits), as numpy's conversions keep them.
enum FloatBits {
  /// IEEE 754 binary16 → binary32 (ryg's branch-light conversion, including subnormals, ±Inf, NaN).
  @inline(__always)
  static func float32Bits(fromHalf half: UInt16) -> UInt32 {
    let exponentMask: UInt32 = 0x7C00 << 13
    var bits = (UInt32(half) & 0x7FFF) << 13
    let exponent = bits & exponentMask
    bits &+= (127 - 15) << 23  // rebias
    if exponent == exponentMask {
      bits &+= (128 - 16) << 23  // Inf / NaN: all-ones exponent
    } else if exponent == 0 {
      // Subnormal or zero: renormalise through the FPU (exact: 2^-14 · m/1024 fits in Float32).
      bits &+= 1 << 23
      bits = (Float(bitPattern: bits) - Float(bitPattern: 113 << 23)).bitPattern
    }
    return bits | (UInt32(half) & 0x8000) << 16
  }

  /// bfloat16 → binary32: bfloat16 is the top half of a binary32.
  @inline(__always)
  static func float32Bits(fromBFloat16 value: UInt16) -> UInt32 { UInt32(value) << 16 }

  /// OCP FP8 E4M3 ("fn": bias 7, no Inf, S.1111.111 is NaN; max 448).
  static func float32Bits(fromE4M3 byte: UInt8) -> UInt32 {
    let sign = UInt32(byte & 0x80) << 24
    let exponent = Int((byte >> 3) & 0x0F)
    let mantissa = Int(byte & 0x07)
    if exponent == 0x0F && mantissa == 0x07 { return sign | 0x7FC0_0000 }
    let magnitude: Float =
      exponent == 0
      ? Float(mantissa) * 0x1p-9  // subnormal: m/8 · 2^-6
      : Float(8 + mantissa) * Float(sign: .plus, exponent: exponent - 7 - 3, significand: 1)
    return sign | magnitude.bitPattern
  }

  /// OCP FP8 E5M2 (bias 15, IEEE-like with Inf and NaN): exactly the top byte of a binary16.
  static func float32Bits(fromE5M2 byte: UInt8) -> UInt32 { float32Bits(fromHalf: UInt16(byte) << 8) }

  /// OCP E8M0 (an exponent alone, bias 127): 2^(byte − 127); 0xFF is NaN. 2^-127 is a Float32 subnormal.
  static func float32Bits(fromE8M0 byte: UInt8) -> UInt32 {
    switch byte {
    case 0xFF: 0x7FC0_0000
    case 0: 0x0040_0000
    default: UInt32(byte) << 23
    }
  }

  /// The 16 OCP E2M1 values by code (sign in bit 3): ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}.
  static let e2m1Values: [Float] = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6]
}
