/// The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0, numpy's
/// `lib/format.py`): magic `\x93NUMPY`, version, header length (u16 in v1, u32 in v2/v3), then a
/// Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
struct NpyHeader: Equatable {
  /// The array-protocol type string, e.g. `<f4`, `>i8`, `|b1`.
  let descr: String
  let fortranOrder: Bool
  let shape: [Int]
  /// Offset of the first data byte.
  let dataOffset: Int

  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

  /// Parses the header at the start of `bytes`; errors name `file`.
  static func parse(_ bytes: UnsafeRawBufferPointer, file: String) throws(TensorFileError) -> NpyHeader {
    var reader = BoundedByteReader(bytes: bytes, file: file)
    let magicBytes = try reader.slice(6, for: "the .npy magic")
    guard magicBytes.elementsEqual(magic) else {
      throw reader.failure("not a .npy file (it does not start with \\x93NUMPY)")
    }
    let major = try reader.read(UInt8.self, for: "version")
    _ = try reader.read(UInt8.self, for: "version")
    let headerLength: Int
    switch major {
    case 1: headerLength = Int(try reader.read(UInt16.self, for: "header length"))
    case 2, 3: headerLength = Int(try reader.read(UInt32.self, for: "header length"))
    default: throw reader.failure(".npy format version \(major) is not supported (only 1, 2 and 3)")
    }
    let text = try reader.slice(headerLength, for: "the .npy header")
    // v1/v2 headers are latin-1, v3 UTF-8; the keys and values we read are ASCII in both.
    var parser = DictLiteralParser(text: Array(text), file: file)
    let dictionary = try parser.parseDictionary()
    guard case .string(let descr)? = dictionary["descr"] else {
      throw reader.failure(
        dictionary["descr"] == nil
          ? ".npy header has no 'descr'" : "structured .npy dtypes are not supported (descr is not a string)")
    }
    guard case .bool(let fortranOrder)? = dictionary["fortran_order"] else {
      throw reader.failure(".npy header has no boolean 'fortran_order'")
    }
    guard case .tuple(let shape)? = dictionary["shape"] else {
      throw reader.failure(".npy header has no tuple 'shape'")
    }
    return NpyHeader(descr: descr, fortranOrder: fortranOrder, shape: shape, dataOffset: reader.offset)
  }
}

/// Parses the restricted Python literal numpy writes as a `.npy` header: a dict with string
/// keys whose values are strings, `True`/`False`, or tuples of non-negative integers.
private struct DictLiteralParser {
  enum Value: Equatable {
    case string(String)
    case bool(Bool)
    case tuple([Int])
  }

  let text: [UInt8]
  let file: String
  var position = 0

  init(text: [UInt8], file: String) {
    self.text = text
    self.file = file
  }

  private func failure(_ problem: String) -> TensorFileError {
    TensorFileError(file: file, problem: "bad .npy header: \(problem)")
  }

  private mutating func skipSpace() {
    while position < text.count, [0x20, 0x0A, 0x0D, 0x09].contains(text[position]) { position += 1 }
  }

  private mutating func expect(_ character: Character) throws(TensorFileError) {
    skipSpace()
    guard position < text.count, text[position] == character.asciiValue else {
      throw failure("expected '\(character)' at position \(position)")
    }
    position += 1
  }

  /// Consumes `character` if it is next.
  private mutating func accept(_ character: Character) -> Bool {
    skipSpace()
    if position < text.count, text[position] == character.asciiValue {
      position += 1
      return true
    }
    return false
  }

  mutating func parseDictionary() throws(TensorFileError) -> [String: Value] {
    try expect("{")
    var result: [String: Value] = [:]
    while !accept("}") {
      let key = try parseString()
      try expect(":")
      guard result[key] == nil else { throw failure("duplicate key \(MessageText.quoted(key))") }
      result[key] = try parseValue()
      if !accept(",") {
        try expect("}")
        break
      }
    }
    return result
  }

  private mutating func parseValue() throws(TensorFileError) -> Value {
    skipSpace()
    guard position < text.count else { throw failure("value missing at the end") }
    switch text[position] {
    case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "("): return .tuple(try parseTuple())
    case UInt8(ascii: "T"), UInt8(ascii: "F"):
      for (word, value) in [("True", true), ("False", false)] where matches(word) {
        position += word.utf8.count
        return .bool(value)
      }
      throw failure("unexpected word at position \(position)")
    case UInt8(ascii: "["): throw failure("structured dtypes are not supported")
    default: throw failure("unexpected character at position \(position)")
    }
  }

  private func matches(_ word: String) -> Bool {
    let bytes = Array(word.utf8)
    return position + bytes.count <= text.count && Array(text[position..<(position + bytes.count)]) == bytes
  }

  private mutating func parseString() throws(TensorFileError) -> String {
    skipSpace()
    guard position < text.count, text[position] == UInt8(ascii: "'") || text[position] == UInt8(ascii: "\"") else {
      throw failure("expected a string at position \(position)")
    }
    let quote = text[position]
    position += 1
    let start = position
    while position < text.count, text[position] != quote {
      guard text[position] != UInt8(ascii: "\\") else { throw failure("escapes in strings are not supported") }
      position += 1
    }
    guard position < text.count else { throw failure("unterminated string") }
    let value = String(decoding: text[start..<position], as: UTF8.self)
    position += 1
    return value
  }

  private mutating func parseTuple() throws(TensorFileError) -> [Int] {
    try expect("(")
    var values: [Int] = []
    while !accept(")") {
      values.append(try parseInteger())
      guard values.count <= 64 else { throw failure("shape has more than 64 dimensions") }
      if !accept(",") {
        try expect(")")
        break
      }
    }
    return values
  }

  private mutating func parseInteger() throws(TensorFileError) -> Int {
    skipSpace()
    var value = 0
    var digits = 0
    while position < text.count, let digit = digitValue(text[position]) {
      let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = shifted.addingReportingOverflow(digit)
      guard !overflow1, !overflow2 else { throw failure("dimension is too large") }
      value = sum
      digits += 1
      position += 1
    }
    guard digits > 0 else { throw failure("expected a non-negative integer at position \(position)") }
    if position < text.count, text[position] == UInt8(ascii: "L") { position += 1 }  // Python 2 longs
    return value
  }

  private func digitValue(_ byte: UInt8) -> Int? {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
  }
}
