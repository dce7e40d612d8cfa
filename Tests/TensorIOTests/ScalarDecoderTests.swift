import Testing

@testable import TensorIO

/// The scalar decoders against independent references: the standard library's Float16, the
/// IEEE/OCP definitions written out as sign · 2^e · significand, and published extreme values.
@Suite struct ScalarDecoderTests {
  /// Decodes `count` elements of `dtype` stored in `bytes` (starting at an odd offset, as tensors in files may).
  private func decode(_ dtype: DType, _ bytes: [UInt8], count: Int) -> [Float] {
    let padded = [0xAB] + bytes
    var output = [Float](repeating: 0, count: count)
    padded.withUnsafeBytes { raw in
      let tensorBytes = UnsafeRawBufferPointer(rebasing: raw[1...])
      output.withUnsafeMutableBufferPointer {
        ScalarDecoder.decode(dtype, bytes: tensorBytes, range: 0..<count, into: $0)
      }
    }
    return output
  }

  private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
  }

  /// Same value, or both NaN with the same sign.
  private func same(_ a: Float, _ b: Float) -> Bool {
    a.isNaN ? (b.isNaN && a.sign == b.sign) : a.bitPattern == b.bitPattern
  }

  @Test func f16MatchesTheStandardLibraryOnAll65536Patterns() {
    let patterns = (0...UInt16.max).map { $0 }
    let decoded = decode(.f16, littleEndianBytes(patterns), count: patterns.count)
    for (bits, value) in zip(patterns, decoded) {
      let reference = Float(Float16(bitPattern: bits))
      #expect(same(value, reference), "F16 \(String(bits, radix: 16)): \(value) vs \(reference)")
    }
    #expect(decode(.f16, littleEndianBytes([UInt16(0x0001)]), count: 1) == [0x1p-24])  // smallest subnormal
    #expect(decode(.f16, littleEndianBytes([UInt16(0x7BFF)]), count: 1) == [65504])  // largest finite
  }

  @Test func bf16MatchesItsDefinitionOnAll65536Patterns() {
    let patterns = (0...UInt16.max).map { $0 }
    let decoded = decode(.bf16, littleEndianBytes(patterns), count: patterns.count)
    for (bits, value) in zip(patterns, decoded) {
      let sign: FloatingPointSign = bits & 0x8000 == 0 ? .plus : .minus
      let exponent = Int((bits >> 7) & 0xFF)
      let mantissa = Float(bits & 0x7F)
      let reference: Float =
        switch exponent {
        case 0xFF: mantissa == 0 ? Float(sign: sign, exponent: 0, significand: .infinity) : .nan
        case 0: Float(sign: sign, exponent: -126, significand: mantissa / 128)
        default: Float(sign: sign, exponent: exponent - 127, significand: 1 + mantissa / 128)
        }
      let matches = reference.isNaN ? value.isNaN && value.sign == sign : value.bitPattern == reference.bitPattern
      #expect(matches, "BF16 \(String(bits, radix: 16)): \(value) vs \(reference)")
    }
  }

  @Test func e4m3FollowsTheOCPDefinition() {
    let decoded = decode(.f8E4M3, (0...255).map { UInt8($0) }, count: 256)
    for byte in 0...255 {
      let sign: FloatingPointSign = byte & 0x80 == 0 ? .plus : .minus
      let exponent = (byte >> 3) & 0x0F
      let mantissa = Float(byte & 0x07)
      if byte & 0x7F == 0x7F {
        #expect(decoded[byte].isNaN)  // S.1111.111: the only NaNs; no infinities
        continue
      }
      let reference =
        exponent == 0
        ? Float(sign: sign, exponent: -6, significand: mantissa / 8)
        : Float(sign: sign, exponent: exponent - 7, significand: 1 + mantissa / 8)
      #expect(decoded[byte].bitPattern == reference.bitPattern, "E4M3 \(byte)")
    }
    #expect(decoded[0x7E] == 448 && decoded[0xFE] == -448 && decoded[0x01] == 0x1p-9 && decoded[0x38] == 1)
    #expect(decoded[0x80].sign == .minus && decoded[0x80] == 0)
  }

  @Test func e5m2IsTheTopByteOfAHalf() {
    let decoded = decode(.f8E5M2, (0...255).map { UInt8($0) }, count: 256)
    for byte in 0...255 {
      #expect(same(decoded[byte], Float(Float16(bitPattern: UInt16(byte) << 8))), "E5M2 \(byte)")
    }
    #expect(decoded[0x7B] == 57344 && decoded[0x7C] == .infinity && decoded[0x7D].isNaN && decoded[0x01] == 0x1p-16)
  }

  @Test func f64RoundsToNearestEven() {
    let values: [Double] = [1 + 0x1p-24, 1 + 0x1p-24 + 0x1p-50, 1 + 3 * 0x1p-24, 1e300, -1e-300, .nan, -.infinity, 0.1]
    let decoded = decode(.f64, littleEndianBytes(values.map(\.bitPattern)), count: values.count)
    #expect(decoded[0] == 1)  // tie: to even
    #expect(decoded[1] == Float(1).nextUp)  // just above the tie: up
    #expect(decoded[2] == 1 + 4 * 0x1p-24)  // tie between odd and even neighbours: to even
    #expect(decoded[3] == .infinity && decoded[4] == 0 && decoded[4].sign == .minus)
    #expect(decoded[5].isNaN && decoded[6] == -.infinity && decoded[7] == 0.1 as Float)
  }

  @Test func integersConvertExactlyOrToNearestEven() {
    #expect(decode(.i8, [0x80, 0x7F, 0xFF], count: 3) == [-128, 127, -1])
    #expect(decode(.u8, [0, 255], count: 2) == [0, 255])
    #expect(decode(.bool, [0, 1], count: 2) == [0, 1])
    #expect(decode(.i16, littleEndianBytes([Int16.min, Int16.max]), count: 2) == [-32768, 32767])
    #expect(
      decode(.i32, littleEndianBytes([Int32(16_777_217), Int32(16_777_219), Int32.min]), count: 3) == [
        16_777_216, 16_777_220, -2_147_483_648,
      ])
    #expect(decode(.i64, littleEndianBytes([Int64(-5), Int64.max]), count: 2) == [-5, 0x1p63])
  }

  @Test func decodingAnyRangeEqualsTheSameSliceOfTheWhole() {
    let patterns = (0..<1000).map { UInt16(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
    let bytes = littleEndianBytes(patterns)
    let whole = decode(.f16, bytes, count: patterns.count)
    bytes.withUnsafeBytes { raw in
      for range in [0..<1, 3..<17, 500..<1000, 999..<1000] {
        var part = [Float](repeating: 0, count: range.count)
        part.withUnsafeMutableBufferPointer { ScalarDecoder.decode(.f16, bytes: raw, range: range, into: $0) }
        #expect(zip(part, whole[range]).allSatisfy { same($0, $1) })
      }
    }
  }
}
