/// Float32 values mapped to UInt32 keys in the same order (−∞ < … < −0 < +0 < … < +∞), so an
/// exact order statistic can be found with two counting passes over 16-bit halves of the key.
enum OrderKey {
  @inline(__always)
  static func of(_ value: Float) -> UInt32 {
    let bits = value.bitPattern
    return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
  }

  static func value(of key: UInt32) -> Float {
    Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
  }

  static let bucketCount = 1 << 16
}
