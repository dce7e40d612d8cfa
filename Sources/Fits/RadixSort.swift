/// Ascending order of finite Doubles by a least-significant-digit radix sort of their order keys
/// (11-bit digits, so each pass's counts stay in L1). A digit that every value shares takes no
/// pass: values that came from Float32 share their low 29 bits, so they take 4 passes of 6. On
/// the 2¹⁸-value samples the fits sort it is several times faster than `sorted()`, with the same
/// order except that −0 comes before +0 (they compare equal, so no statistic changes).
enum RadixSort {
  private static let digitBits = 11
  private static let bucketCount = 1 << digitBits
  /// Below this many values `sorted()` is faster than the passes' fixed cost.
  private static let smallest = 4096

  static func ascending(_ values: [Double]) -> [Double] {
    let count = values.count
    guard count >= smallest else { return values.sorted() }
    var keys = values.map { key(of: $0) }
    var scratch = [UInt64](repeating: 0, count: count)
    var offsets = [Int](repeating: 0, count: bucketCount)
    let mask = UInt64(bucketCount - 1)
    for shift in stride(from: 0, to: 64, by: digitBits) {
      let sorted = keys.withUnsafeBufferPointer { keys in
        scratch.withUnsafeMutableBufferPointer { scratch in
          offsets.withUnsafeMutableBufferPointer { offsets in
            offsets.update(repeating: 0)
            for key in keys { offsets[Int((key >> UInt64(shift)) & mask)] += 1 }
            if offsets[Int((keys[0] >> UInt64(shift)) & mask)] == count { return false }
            var total = 0
            for bucket in 0..<bucketCount {
              let size = offsets[bucket]
              offsets[bucket] = total
              total += size
            }
            for key in keys {
              let bucket = Int((key >> UInt64(shift)) & mask)
              scratch[offsets[bucket]] = key
              offsets[bucket] += 1
            }
            return true
          }
        }
      }
      if sorted { swap(&keys, &scratch) }
    }
    return keys.map { value(of: $0) }
  }

  /// The value's bit pattern made to sort as an unsigned integer in the value's order.
  @inline(__always)
  static func key(of value: Double) -> UInt64 {
    let bits = value.bitPattern
    return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
  }

  @inline(__always)
  static func value(of key: UInt64) -> Double {
    Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
  }
}
