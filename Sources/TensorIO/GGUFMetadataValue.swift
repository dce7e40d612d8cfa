/// Reads GGUF metadata values (ggml docs/gguf.md, `gguf_metadata_value_t`) and renders them as
/// the one-line text `Model.metadata` keeps.
///
/// Arrays longer than `shownArrayItems` are summarised (`[32000 strings: "<unk>", "<s>", …]`)
/// and nested arrays deeper than `maximumNesting` are rejected, so a hostile file can neither
/// blow up memory with a huge rendered array nor the stack with deep nesting.
enum GGUFMetadataValue {
  static let shownArrayItems = 8
  static let maximumNesting = 4
  /// Longest string kept inside a rendered array before it is cut with "…".
  static let shownStringLength = 64

  enum ValueType: UInt32 {
    case uint8 = 0
    case int8 = 1
    case uint16 = 2
    case int16 = 3
    case uint32 = 4
    case int32 = 5
    case float32 = 6
    case bool = 7
    case string = 8
    case array = 9
    case uint64 = 10
    case int64 = 11
    case float64 = 12

    var name: String {
      switch self {
      case .uint8: "uint8"
      case .int8: "int8"
      case .uint16: "uint16"
      case .int16: "int16"
      case .uint32: "uint32"
      case .int32: "int32"
      case .float32: "float32"
      case .bool: "bool"
      case .string: "string"
      case .array: "array"
      case .uint64: "uint64"
      case .int64: "int64"
      case .float64: "float64"
      }
    }

    /// The fewest bytes one value of this type occupies (a string's length prefix, an array's
    /// type and count): bounds a claimed element count by the bytes actually left.
    var minimumBytes: Int {
      switch self {
      case .uint8, .int8, .bool: 1
      case .uint16, .int16: 2
      case .uint32, .int32, .float32: 4
      case .uint64, .int64, .float64, .string: 8
      case .array: 12
      }
    }
  }

  static func readType(_ reader: inout BoundedByteReader, for what: String) throws(TensorFileError) -> ValueType {
    let raw = try reader.read(UInt32.self, for: "\(what) type")
    guard let type = ValueType(rawValue: raw) else {
      throw reader.failure("\(what) has unknown metadata value type \(raw)")
    }
    return type
  }

  /// Reads a GGUF string (u64 length, then UTF-8 bytes, no terminator).
  static func readString(_ reader: inout BoundedByteReader, for what: String) throws(TensorFileError) -> String {
    let length = try reader.readLength(for: "\(what) length")
    let body = try reader.slice(length, for: what)
    return String(decoding: body, as: UTF8.self)
  }

  /// Reads one value of `type` and renders it as text.
  static func read(_ type: ValueType, _ reader: inout BoundedByteReader, for what: String, depth: Int = 0)
    throws(TensorFileError) -> String
  {
    switch type {
    case .uint8: return String(try reader.read(UInt8.self, for: what))
    case .int8: return String(try reader.read(Int8.self, for: what))
    case .uint16: return String(try reader.read(UInt16.self, for: what))
    case .int16: return String(try reader.read(Int16.self, for: what))
    case .uint32: return String(try reader.read(UInt32.self, for: what))
    case .int32: return String(try reader.read(Int32.self, for: what))
    case .uint64: return String(try reader.read(UInt64.self, for: what))
    case .int64: return String(try reader.read(Int64.self, for: what))
    case .float32: return String(Float(bitPattern: try reader.read(UInt32.self, for: what)))
    case .float64: return String(Double(bitPattern: try reader.read(UInt64.self, for: what)))
    case .bool:
      let raw = try reader.read(UInt8.self, for: what)
      guard raw <= 1 else { throw reader.failure("\(what) is a bool with value \(raw) (expected 0 or 1)") }
      return raw == 1 ? "true" : "false"
    case .string: return try readString(&reader, for: what)
    case .array: return try readArray(&reader, for: what, depth: depth + 1)
    }
  }

  private static func readArray(_ reader: inout BoundedByteReader, for what: String, depth: Int)
    throws(TensorFileError) -> String
  {
    guard depth <= maximumNesting else {
      throw reader.failure("\(what) nests arrays more than \(maximumNesting) deep")
    }
    let elementType = try readType(&reader, for: "\(what) element")
    let count = try reader.readLength(for: "\(what) element count")
    // Each element takes at least minimumBytes, so a count the file cannot hold is caught here,
    // before a loop of `count` iterations starts.
    guard count <= reader.remaining / elementType.minimumBytes else {
      throw reader.failure("\(what) claims \(count) \(elementType.name) elements, more than the file holds")
    }
    var shown: [String] = []
    for index in 0..<min(count, shownArrayItems) {
      let text = try read(elementType, &reader, for: "\(what)[\(index)]", depth: depth)
      shown.append(elementType == .string ? quoted(text) : text)
    }
    // The rest is only stepped over: fixed-size values in one move, strings by their lengths.
    let rest = count - shown.count
    switch elementType {
    case .string:
      for index in shown.count..<count {
        let length = try reader.readLength(for: "\(what)[\(index)] length")
        try reader.skip(length, for: "\(what)[\(index)]")
      }
    case .array:
      for index in shown.count..<count {
        _ = try read(elementType, &reader, for: "\(what)[\(index)]", depth: depth)
      }
    default:
      // No overflow: rest <= count <= remaining / minimumBytes, and minimumBytes is the size.
      try reader.skip(rest * elementType.minimumBytes, for: "\(what) elements")
    }
    if count <= shownArrayItems { return "[" + shown.joined(separator: ", ") + "]" }
    return "[\(count) \(elementType.name)s: " + shown.joined(separator: ", ") + ", …]"
  }

  private static func quoted(_ text: String) -> String {
    let cut = text.count > shownStringLength ? String(text.prefix(shownStringLength)) + "…" : text
    var escaped = "\""
    for character in cut {
      if character == "\"" || character == "\\" { escaped.append("\\") }
      escaped.append(character)
    }
    return escaped + "\""
  }
}
