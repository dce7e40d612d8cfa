/// The parts of a shipped weight and the rule that combines them into its values, checked when
/// the model was opened (`ShippedWeights`): every index `decode` reads lies inside its part.
///
/// Each value is computed as the convention's own dequantization computes it, one rounding at a
/// time, so it equals that code's output bit for bit: the element times its block scale in
/// Float32, then rounded to the dtype the reference returns (`rounding`).
final class ShippedParts: Sendable {
  /// How the weight's elements are stored in `values`.
  enum Elements: Sendable {
    /// E2M1 codes, two a byte, the first in the low nibble (NVFP4, MXFP4, gpt-oss).
    case e2m1
    /// One FP8 byte an element (`F8_E4M3` or `F8_E5M2`).
    case float8(DType)
    /// FP6 E2M3 codes, four in three bytes read as one little-endian 24-bit word, the first code
    /// in its low 6 bits, each code's sign in its bit 5 (compressed-tensors `mxfp6-pack-quantized`,
    /// `compressors/mxfp6/helpers.py` `unpack_fp6_from_uint8`).
    case e2m3Packed
    /// One signed byte an element (`I8`: compressed-tensors `int-quantized` / `naive-quantized`).
    case int8
    /// compressed-tensors `pack-quantized`: integers of `bits` bits in little-endian Int32
    /// words, `wordsPerRow` a row, stored as value + 2^(bits−1). `dense`: one bit stream a row
    /// (compressed-tensors since PR #715); otherwise `32 / bits` values a word, the rest padding.
    case packedIntegers(bits: Int, wordsPerRow: Int, dense: Bool)
    /// GPTQ: `qweight` [in·bits/32, out] packs `32 / bits` inputs a word along the input axis; the
    /// logical weight is [out, in]. `zeroOffset` is 1 for the GPTQ v1 checkpoint format (zeros
    /// stored minus one) and 0 for v2. Groups by `g_idx` when there is one, else input / `groupSize`.
    case gptq(bits: Int, outputs: Int, groups: Int, groupSize: Int, zeroOffset: Int, groupIndex: Tensor?)
  }

  /// What a stored scale means.
  enum ScaleRule: Sendable {
    /// Its value.
    case value
    /// A U8 byte b holding an E8M0 exponent: 2^(b − 127), as `2.0 ** (b − 127)` (255 is +inf).
    case exponent
    /// Its value divided by the tensor's global scale, in Float32 (compressed-tensors NVFP4).
    case divided(by: Float)
  }

  /// The dtype the reference dequantization returns its values in.
  enum Rounding: Sendable { case bfloat16, half, single }

  let values: Tensor
  let scales: Tensor
  /// compressed-tensors asymmetric zero points (packed along the rows as `values` is) or GPTQ `qzeros`.
  let zeroPoints: Tensor?
  /// Parts read when opening (a global scale, `weight_shape`): counted in `byteCount`, watched for changes.
  let others: [Tensor]
  let elements: Elements
  /// The logical row length.
  let columns: Int
  /// Elements of the logical weight one scale covers: `blockHeight` rows × `blockWidth` columns.
  let blockHeight: Int
  let blockWidth: Int
  /// Scales a row of blocks has (the last dimension of the scale tensor).
  let scaleColumns: Int
  let rule: ScaleRule
  let rounding: Rounding

  init(
    values: Tensor, scales: Tensor, zeroPoints: Tensor? = nil, others: [Tensor] = [], elements: Elements,
    columns: Int, blockHeight: Int, blockWidth: Int, scaleColumns: Int, rule: ScaleRule, rounding: Rounding
  ) {
    self.values = values
    self.scales = scales
    self.zeroPoints = zeroPoints
    self.others = others
    self.elements = elements
    self.columns = columns
    self.blockHeight = blockHeight
    self.blockWidth = blockWidth
    self.scaleColumns = scaleColumns
    self.rule = rule
    self.rounding = rounding
  }

  /// Every part, the packed values first.
  var all: [Tensor] {
    var parts = [values, scales] + (zeroPoints.map { [$0] } ?? []) + others
    if case .gptq(_, _, _, _, _, let groupIndex?) = elements { parts.append(groupIndex) }
    return parts
  }

  var byteCount: Int { all.reduce(0) { $0 + $1.bytes.count } }

  /// Decodes flat elements `range` of the logical weight (row-major, rows of `columns`).
  func decode(_ range: Range<Int>, into output: UnsafeMutableBufferPointer<Float>) {
    precondition(output.count == range.count)
    guard !range.isEmpty else { return }
    var row = range.lowerBound / columns
    var column = range.lowerBound % columns
    for offset in 0..<range.count {
      output[offset] = value(row: row, column: column)
      column += 1
      if column == columns {
        column = 0
        row += 1
      }
    }
  }

  private func value(row: Int, column: Int) -> Float {
    switch elements {
    case .e2m1:
      let flat = row * columns + column
      let byte = values.bytes[flat >> 1]
      let element = FloatBits.e2m1Values[Int(flat & 1 == 0 ? byte & 0x0F : byte >> 4)]
      return rounded(element * blockScale(row: row, column: column))
    case .float8(let dtype):
      let byte = values.bytes[row * columns + column]
      let bits = dtype == .f8E5M2 ? FloatBits.float32Bits(fromE5M2: byte) : FloatBits.float32Bits(fromE4M3: byte)
      return rounded(Float(bitPattern: bits) * blockScale(row: row, column: column))
    case .e2m3Packed:
      let first = row * (columns / 4 * 3) + column / 4 * 3
      let word = Int(values.bytes[first]) | Int(values.bytes[first + 1]) << 8 | Int(values.bytes[first + 2]) << 16
      let code = (word >> (6 * (column % 4))) & 0x3F
      let magnitude = Self.e2m3Magnitude(code & 0x1F)
      return rounded((code & 0x20 == 0 ? magnitude : -magnitude) * blockScale(row: row, column: column))
    case .int8:
      let element = Int8(bitPattern: values.bytes[row * columns + column])
      return rounded(Float(element) * blockScale(row: row, column: column))
    case .packedIntegers(let bits, let wordsPerRow, let dense):
      let offset = 1 << (bits - 1)
      let element = Self.packedInteger(values, bits: bits, dense: dense, position: column) { row * wordsPerRow + $0 }
      var zero = offset
      if let zeroPoints {
        let group = column / blockWidth
        zero = Self.packedInteger(zeroPoints, bits: bits, dense: dense, position: row) { $0 * scaleColumns + group }
      }
      return rounded(Float(element - zero) * blockScale(row: row, column: column))
    case .gptq(let bits, let outputs, let groups, let groupSize, let zeroOffset, let groupIndex):
      // Logical [out, in]: `row` is the output, `column` the input.
      let perWord = 32 / bits
      let mask = (1 << bits) - 1
      let word = Self.word(values, (column / perWord) * outputs + row)
      let element = Int(word >> UInt32((column % perWord) * bits)) & mask
      let group = groupIndex.map { Int(Int32(bitPattern: Self.word($0, column))) } ?? column / groupSize
      guard group >= 0, group < groups, let zeroPoints else { return .nan }
      let zeroWord = Self.word(zeroPoints, group * (outputs / perWord) + row / perWord)
      let zero = ((Int(zeroWord >> UInt32((row % perWord) * bits)) & mask) + zeroOffset) & mask
      return rounded(Self.float(scales, group * outputs + row) * Float(element - zero))
    }
  }

  /// The magnitude of E2M3 code `code` (0…31): exponent bias 1, three mantissa bits, exponent 0
  /// subnormal (OCP MX v1.0 §5.3.2), the table compressed-tensors' `kE2M3ToFloat` lists.
  static func e2m3Magnitude(_ code: Int) -> Float {
    let exponent = code >> 3
    let mantissa = Float(code & 7) / 8
    return exponent == 0 ? mantissa : (1 + mantissa) * Float(sign: .plus, exponent: exponent - 1, significand: 1)
  }

  private func blockScale(row: Int, column: Int) -> Float {
    let stored = Self.float(scales, (row / blockHeight) * scaleColumns + column / blockWidth)
    switch rule {
    case .value: return stored
    case .exponent: return stored == 255 ? .infinity : Float(sign: .plus, exponent: Int(stored) - 127, significand: 1)
    case .divided(let global): return stored / global
    }
  }

  private func rounded(_ value: Float) -> Float {
    switch rounding {
    case .single: value
    case .half: Float(Float16(value))
    case .bfloat16: Self.bfloat16(value)
    }
  }

  /// `value` rounded to the nearest bfloat16, ties to even (as PyTorch and ml_dtypes round).
  static func bfloat16(_ value: Float) -> Float {
    guard !value.isNaN else { return value }
    let bits = value.bitPattern
    let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000
    return Float(bitPattern: rounded)
  }

  /// Integer `position` of a packed line whose k-th word is at word index `wordIndex(k)` of `tensor`.
  private static func packedInteger(
    _ tensor: Tensor, bits: Int, dense: Bool, position: Int, wordIndex: (Int) -> Int
  ) -> Int {
    let mask = (1 << bits) - 1
    if dense {
      let bit = position * bits
      let shift = bit & 31
      var value = Int(word(tensor, wordIndex(bit >> 5)) >> UInt32(shift))
      if shift + bits > 32 { value |= Int(word(tensor, wordIndex((bit >> 5) + 1))) << (32 - shift) }
      return value & mask
    }
    let perWord = 32 / bits
    return Int(word(tensor, wordIndex(position / perWord)) >> UInt32((position % perWord) * bits)) & mask
  }

  /// The little-endian 32-bit word `index` of `tensor` (checked in bounds on open).
  @inline(__always)
  private static func word(_ tensor: Tensor, _ index: Int) -> UInt32 {
    UInt32(littleEndian: tensor.bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
  }

  /// Element `index` of a scale tensor as Float32 (a U8 as its integer value).
  static func float(_ tensor: Tensor, _ index: Int) -> Float {
    let bytes = tensor.bytes
    switch tensor.info.dtype {
    case .f32:
      return Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
    case .f16:
      let half = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
      return Float(bitPattern: FloatBits.float32Bits(fromHalf: half))
    case .bf16:
      let raw = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
      return Float(bitPattern: FloatBits.float32Bits(fromBFloat16: raw))
    case .f8E4M3: return Float(bitPattern: FloatBits.float32Bits(fromE4M3: bytes[index]))
    case .f8E8M0: return Float(bitPattern: FloatBits.float32Bits(fromE8M0: bytes[index]))
    case .u8: return Float(bytes[index])
    default: return .nan  // `ShippedWeights` admits only the dtypes above as scales
    }
  }
}
