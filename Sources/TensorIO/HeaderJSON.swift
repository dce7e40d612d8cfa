/// A parsed JSON value, as file headers (safetensors, index files) carry them.
///
/// Objects keep their members in file order (a safetensors header lists its tensors in the order
/// they were written) and numbers keep their text, so integers are read exactly, never via Double.
enum JSONValue: Sendable, Equatable {
  case object([(key: String, value: JSONValue)])
  case array([JSONValue])
  case string(String)
  case number(String)
  case bool(Bool)
  case null

  static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.object(let a), .object(let b)):
      a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    case (.array(let a), .array(let b)): a == b
    case (.string(let a), .string(let b)): a == b
    case (.number(let a), .number(let b)): a == b
    case (.bool(let a), .bool(let b)): a == b
    case (.null, .null): true
    default: false
    }
  }

  /// The value's kind in words, for error messages.
  var kind: String {
    switch self {
    case .object: "an object"
    case .array: "an array"
    case .string: "a string"
    case .number: "a number"
    case .bool: "a boolean"
    case .null: "null"
    }
  }

  /// The value as a non-negative integer that fits in `Int`, or nil (fractions, exponents,
  /// signs and overflow all give nil: offsets and dimensions are plain unsigned integers).
  var nonNegativeInteger: Int? {
    guard case .number(let text) = self, !text.isEmpty else { return nil }
    var value = 0
    for byte in text.utf8 {
      guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
      let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflowB) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
      if overflowA || overflowB { return nil }
      value = sum
    }
    return value
  }
}

/// Why a header is not valid JSON: what was expected and the byte offset where parsing stopped.
struct JSONSyntaxError: Error, Equatable {
  let message: String
  let offset: Int
}

/// A strict RFC 8259 parser over raw bytes. Input is untrusted: nesting depth is capped so a
/// hostile header cannot exhaust the stack, and every index is checked against the end.
struct JSONParser {
  private let bytes: UnsafeRawBufferPointer
  private var position = 0
  private let maximumDepth = 64

  /// Parses one JSON value filling all of `bytes` (surrounding whitespace allowed).
  static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONValue {
    var parser = JSONParser(bytes: bytes)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.position == bytes.count else { throw parser.error("unexpected text after the JSON value") }
    return value
  }

  private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  private func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(message: message, offset: position) }

  private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

  private mutating func skipWhitespace() {
    while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
  }

  private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONSyntaxError) {
    guard current == byte else { throw error("expected \(what)") }
    position += 1
  }

  private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    guard depth < maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
    switch current {
    case UInt8(ascii: "{"): return try parseObject(depth: depth)
    case UInt8(ascii: "["): return try parseArray(depth: depth)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"):
      try parseLiteral("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try parseLiteral("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try parseLiteral("null")
      return .null
    case .some(let byte) where byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")):
      return .number(try parseNumber())
    case nil: throw error("unexpected end of JSON")
    default: throw error("expected a JSON value")
    }
  }

  private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    position += 1  // '{'
    var members: [(key: String, value: JSONValue)] = []
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
      let key = try parseString()
      skipWhitespace()
      try expect(UInt8(ascii: ":"), "':' after an object key")
      skipWhitespace()
      members.append((key, try parseValue(depth: depth + 1)))
      skipWhitespace()
      if current == UInt8(ascii: ",") {
        position += 1
        continue
      }
      try expect(UInt8(ascii: "}"), "',' or '}' in an object")
      return .object(members)
    }
  }

  private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    position += 1  // '['
    var elements: [JSONValue] = []
    skipWhitespace()
    if current == UInt8(ascii: "]") {
      position += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth + 1))
      skipWhitespace()
      if current == UInt8(ascii: ",") {
        position += 1
        continue
      }
      try expect(UInt8(ascii: "]"), "',' or ']' in an array")
      return .array(elements)
    }
  }

  private mutating func parseLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
    let count = literal.utf8CodeUnitCount
    guard position + count <= bytes.count else { throw error("unexpected end of JSON") }
    for offset in 0..<count where bytes[position + offset] != literal.utf8Start[offset] {
      throw error("expected a JSON value")
    }
    position += count
  }

  private mutating func parseNumber() throws(JSONSyntaxError) -> String {
    let start = position
    if current == UInt8(ascii: "-") { position += 1 }
    guard let first = current, isDigit(first) else { throw error("expected a digit") }
    if first == UInt8(ascii: "0") {
      position += 1
    } else {
      while let byte = current, isDigit(byte) { position += 1 }
    }
    if current == UInt8(ascii: ".") {
      position += 1
      guard let byte = current, isDigit(byte) else { throw error("expected a digit after '.'") }
      while let byte = current, isDigit(byte) { position += 1 }
    }
    if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
      position += 1
      if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
      guard let byte = current, isDigit(byte) else { throw error("expected a digit in an exponent") }
      while let byte = current, isDigit(byte) { position += 1 }
    }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
  }

  private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  /// Parses a string; the caller has validated the whole input as UTF-8, so raw runs are copied as they are.
  private mutating func parseString() throws(JSONSyntaxError) -> String {
    position += 1  // opening quote
    var result = ""
    var runStart = position
    while true {
      guard let byte = current else { throw error("unterminated string") }
      switch byte {
      case UInt8(ascii: "\""):
        result += text(runStart..<position)
        position += 1
        return result
      case UInt8(ascii: "\\"):
        result += text(runStart..<position)
        position += 1
        result.unicodeScalars.append(try parseEscape())
        runStart = position
      case 0..<0x20:
        throw error("control character in a string")
      default:
        position += 1
      }
    }
  }

  private func text(_ range: Range<Int>) -> String {
    String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
  }

  private mutating func parseEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
    guard let byte = current else { throw error("unterminated string") }
    position += 1
    switch byte {
    case UInt8(ascii: "\""): return "\""
    case UInt8(ascii: "\\"): return "\\"
    case UInt8(ascii: "/"): return "/"
    case UInt8(ascii: "b"): return "\u{08}"
    case UInt8(ascii: "f"): return "\u{0C}"
    case UInt8(ascii: "n"): return "\n"
    case UInt8(ascii: "r"): return "\r"
    case UInt8(ascii: "t"): return "\t"
    case UInt8(ascii: "u"):
      let unit = try parseHexUnit()
      if (0xD800..<0xDC00).contains(unit) {
        // A high surrogate must be followed by an escaped low surrogate.
        guard current == UInt8(ascii: "\\") else { throw error("unpaired surrogate in \\u escape") }
        position += 1
        guard current == UInt8(ascii: "u") else { throw error("unpaired surrogate in \\u escape") }
        position += 1
        let low = try parseHexUnit()
        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
        let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        return Unicode.Scalar(value)!  // in 0x10000...0x10FFFF by construction
      }
      guard let scalar = Unicode.Scalar(unit) else { throw error("unpaired surrogate in \\u escape") }
      return scalar
    default:
      position -= 1
      throw error("invalid escape in a string")
    }
  }

  private mutating func parseHexUnit() throws(JSONSyntaxError) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let byte = current else { throw error("unterminated \\u escape") }
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw error("expected four hex digits after \\u")
      }
      value = value * 16 + digit
      position += 1
    }
    return value
  }
}

extension JSONParser {
  /// Whether `bytes` are well-formed UTF-8 (the standard library's decoder, available on every
  /// platform the package supports, unlike `String(validating:as:)`).
  static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    // Headers are nearly always ASCII: check that first with a loop the compiler vectorizes.
    var highBits: UInt8 = 0
    for byte in bytes { highBits |= byte }
    if highBits < 0x80 { return true }
    var decoder = UTF8()
    var iterator = bytes.makeIterator()
    while true {
      switch decoder.decode(&iterator) {
      case .scalarValue: continue
      case .emptyInput: return true
      case .error: return false
      }
    }
  }
}
