import TOMLKit

/// A guard in front of TOMLKit. Its toml++ (3.4, in TOMLKit 0.6) fails an assertion, aborting the
/// process, on some invalid TOML: a table header without a key (`[=]`), a `}` inside an array, a
/// date followed by a space and one digit (`d = 1979-05-27 0`), a Unicode line break inside an
/// array, and more that scripts/fuzz keeps finding (Tests/Corpus/regressions/*-toml). Mending
/// those one at a time did not end, so the guard checks the whole grammar of TOML 1.0 (the ABNF
/// of toml.io/en/v1.0.0) first: toml++ only ever sees text that is TOML by its grammar, where its
/// assertions hold. What the grammar cannot say (a key defined twice, an integer out of range) is
/// left to toml++, whose errors for it are ordinary. The files tscope reads as TOML (codebooks,
/// hardware costs, themes) are refused with the line, as for any other syntax error.
public enum TOMLGuard {
  public static let headerProblem = "a table header must start with a key (a bare key or a quoted one)"

  /// The 1-based line and the problem of the first place where `text` leaves TOML 1.0's grammar,
  /// or nil.
  public static func firstProblem(in text: String) -> (line: Int, problem: String)? {
    var reader = TOMLGrammarReader(bytes: Array(text.utf8))
    do {
      try reader.document()
      return nil
    } catch {
      return (error.line, error.problem)
    }
  }
}

/// Why a text is not valid TOML: the 1-based line where it is known, and the problem.
public struct TOMLProblem: Error {
  public let line: Int?
  public let problem: String
}

extension TOMLGuard {
  /// `text` as a TOML table: the guard first, then TOMLKit; either's syntax error is thrown as
  /// one `TOMLProblem`, for the caller to name its file.
  public static func table(parsing text: String) throws(TOMLProblem) -> TOMLTable {
    if let (line, problem) = firstProblem(in: text) { throw TOMLProblem(line: line, problem: problem) }
    do {
      return try TOMLTable(string: text)
    } catch let error as TOMLParseError {
      throw TOMLProblem(line: error.source.begin.line, problem: error.description)
    } catch {
      throw TOMLProblem(line: nil, problem: "\(error)")
    }
  }
}

/// A recursive-descent reader of TOML 1.0's grammar over UTF-8 bytes; it checks, it builds nothing.
/// The rule names in comments are the ABNF's.
struct TOMLGrammarReader {
  struct Failure: Error {
    let line: Int
    let problem: String
  }

  /// Deeper arrays and inline tables are refused, so that a hostile file cannot exhaust the stack
  /// (toml++ itself stops at 256).
  static let maximumNesting = 128

  let bytes: [UInt8]
  var index = 0
  var line = 1
  var nesting = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  private var current: UInt8? { index < bytes.count ? bytes[index] : nil }
  private func byte(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
  private func failure(_ problem: String) -> Failure { Failure(line: line, problem: problem) }
  private func isNext(_ text: String) -> Bool { bytes[index...].starts(with: text.utf8) }

  // MARK: Lines

  /// toml = expression *( newline expression ). A byte-order mark first is skipped, as toml++ does.
  mutating func document() throws(Failure) {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    while true {
      skipWhitespace()
      if current == UInt8(ascii: "[") {
        try tableHeader()
      } else if let byte = current, Self.startsKey(byte) {
        try keyValue()
      }
      skipWhitespace()
      try skipComment()
      if current == nil { return }
      guard try skipNewline() else { throw failure("expected the end of the line, found \(describe(current))") }
    }
  }

  /// std-table = "[" ws key ws "]"; array-table = "[[" ws key ws "]]".
  private mutating func tableHeader() throws(Failure) {
    index += 1
    let isArray = current == UInt8(ascii: "[")
    if isArray { index += 1 }
    skipWhitespace()
    guard let byte = current, Self.startsKey(byte) else { throw failure(TOMLGuard.headerProblem) }
    try key()
    let closing = isArray ? "]]" : "]"
    guard isNext(closing) else { throw failure("expected '\(closing)' to close the table header") }
    index += closing.utf8.count
  }

  /// keyval = key keyval-sep val.
  private mutating func keyValue() throws(Failure) {
    try key()
    guard current == UInt8(ascii: "=") else { throw failure("expected '=' after the key, found \(describe(current))") }
    index += 1
    skipWhitespace()
    try value()
  }

  /// key = simple-key *( ws "." ws simple-key ), and the whitespace after it.
  private mutating func key() throws(Failure) {
    while true {
      try simpleKey()
      skipWhitespace()
      guard current == UInt8(ascii: ".") else { return }
      index += 1
      skipWhitespace()
    }
  }

  /// simple-key = quoted-key / unquoted-key.
  private mutating func simpleKey() throws(Failure) {
    switch current {
    case UInt8(ascii: "\""), UInt8(ascii: "'"):
      if byte(1) == current && byte(2) == current { throw failure("a key cannot be a multi-line string") }
      try string()
    case let byte? where Self.isBareKeyByte(byte):
      while let byte = current, Self.isBareKeyByte(byte) { index += 1 }
    default:
      throw failure("expected a key, found \(describe(current))")
    }
  }

  // MARK: Values

  /// val = string / boolean / array / inline-table / date-time / float / integer.
  private mutating func value() throws(Failure) {
    switch current {
    case UInt8(ascii: "\""), UInt8(ascii: "'"): try string()
    case UInt8(ascii: "["): try array()
    case UInt8(ascii: "{"): try inlineTable()
    case let byte? where Self.isScalarByte(byte): try scalar()
    default: throw failure("expected a value, found \(describe(current))")
    }
  }

  /// array = "[" [ array-values ] ws-comment-newline "]", a trailing comma allowed.
  private mutating func array() throws(Failure) {
    try enterNesting()
    index += 1
    while true {
      try skipWhitespaceCommentsAndNewlines()
      if current == UInt8(ascii: "]") { break }
      try value()
      try skipWhitespaceCommentsAndNewlines()
      if current == UInt8(ascii: ",") {
        index += 1
      } else if current == UInt8(ascii: "]") {
        break
      } else {
        throw failure("expected ',' or ']' in the array, found \(describe(current))")
      }
    }
    index += 1
    nesting -= 1
  }

  /// inline-table = "{" ws [ keyval *( ws "," ws keyval ) ] ws "}": one line, no trailing comma.
  private mutating func inlineTable() throws(Failure) {
    try enterNesting()
    index += 1
    skipWhitespace()
    if current != UInt8(ascii: "}") {
      while true {
        guard let byte = current, Self.startsKey(byte) else {
          throw failure("expected a key in the inline table, found \(describe(current))")
        }
        try keyValue()
        skipWhitespace()
        guard current == UInt8(ascii: ",") else { break }
        index += 1
        skipWhitespace()
      }
    }
    guard current == UInt8(ascii: "}") else {
      throw failure("expected ',' or '}' in the inline table, found \(describe(current))")
    }
    index += 1
    nesting -= 1
  }

  private mutating func enterNesting() throws(Failure) {
    nesting += 1
    if nesting > Self.maximumNesting {
      throw failure("arrays and inline tables nested more than \(Self.maximumNesting) deep")
    }
  }

  /// A boolean, number or date-time: the longest run of the bytes these can hold (with the space
  /// that may part a date from its time), then checked whole against the grammar.
  private mutating func scalar() throws(Failure) {
    let start = index
    while let byte = current, Self.isScalarByte(byte) { index += 1 }
    if index - start == 10, current == UInt8(ascii: " "), let next = byte(1), TOMLScalar.isDecimalDigit(next),
      TOMLScalar.isLocalDate(bytes[start..<index])
    {
      index += 1
      while let byte = current, Self.isScalarByte(byte) { index += 1 }
    }
    let token = bytes[start..<index]
    guard TOMLScalar.isValid(token) else {
      throw failure("'\(String(decoding: token, as: UTF8.self))' is not a TOML boolean, number or date")
    }
  }

  // MARK: Strings

  /// string = ml-basic-string / basic-string / ml-literal-string / literal-string.
  private mutating func string() throws(Failure) {
    let quote = bytes[index]
    let basic = quote == UInt8(ascii: "\"")
    let multiLine = byte(1) == quote && byte(2) == quote
    index += multiLine ? 3 : 1
    while true {
      guard let byte = current else { throw failure("a string is not closed before the end of the file") }
      if byte == quote {
        guard multiLine else {
          index += 1
          return
        }
        // Up to five quotes end a multi-line string: the last three close it, one or two before
        // them belong to it. Fewer than three are content.
        var run = 1
        while self.byte(run) == quote { run += 1 }
        if run > 5 { throw failure("more than five quotes end a multi-line string") }
        index += run
        if run >= 3 { return }
      } else if basic && byte == UInt8(ascii: "\\") {
        try escape(multiLine: multiLine)
      } else if byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && self.byte(1) == UInt8(ascii: "\n")) {
        guard multiLine else { throw failure("a one-line string is not closed before the end of the line") }
        _ = try skipNewline()
      } else if Self.isControl(byte) {
        throw failure("a control character (\(Self.codePoint(byte))) inside a string; write it as an escape")
      } else {
        index += 1
      }
    }
  }

  /// escaped = "\" ( '"' / "\" / "b" / "f" / "n" / "r" / "t" / "u" 4HEXDIG / "U" 8HEXDIG ), and in a
  /// multi-line basic string the line-ending backslash (mlb-escaped-nl).
  private mutating func escape(multiLine: Bool) throws(Failure) {
    index += 1
    switch current {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
      UInt8(ascii: "r"), UInt8(ascii: "t"):
      index += 1
    case UInt8(ascii: "u"), UInt8(ascii: "U"):
      let digits = current == UInt8(ascii: "u") ? 4 : 8
      var scalar: UInt32 = 0
      for offset in 1...digits {
        guard let digit = byte(offset).flatMap(Self.hexValue) else {
          throw failure("\\\(digits == 4 ? "u" : "U") needs \(digits) hexadecimal digits")
        }
        scalar = scalar &* 16 &+ digit
      }
      guard Unicode.Scalar(scalar) != nil else { throw failure("the escape names no Unicode scalar value") }
      index += 1 + digits
    case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
      guard multiLine else { throw failure("a backslash at the end of a one-line string's line") }
      skipWhitespace()
      guard try skipNewline() else { throw failure("only a line break may follow a backslash and spaces") }
      while true {
        skipWhitespace()
        guard try skipNewline() else { break }
      }
    default:
      throw failure("'\\\(describe(current))' is not a TOML escape")
    }
  }

  // MARK: Whitespace, comments, line breaks

  /// ws = *( %x20 / %x09 ).
  private mutating func skipWhitespace() {
    while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { index += 1 }
  }

  /// newline = %x0A / %x0D.0A; false if none is here.
  private mutating func skipNewline() throws(Failure) -> Bool {
    if current == UInt8(ascii: "\n") {
      index += 1
    } else if current == UInt8(ascii: "\r") {
      guard byte(1) == UInt8(ascii: "\n") else { throw failure("a carriage return without a line feed after it") }
      index += 2
    } else {
      return false
    }
    line += 1
    return true
  }

  /// comment = "#" *non-eol: any character but a control character other than tab.
  private mutating func skipComment() throws(Failure) {
    guard current == UInt8(ascii: "#") else { return }
    index += 1
    while let byte = current, byte != UInt8(ascii: "\n") {
      if byte == UInt8(ascii: "\r") && self.byte(1) == UInt8(ascii: "\n") { return }
      if Self.isControl(byte) { throw failure("a control character (\(Self.codePoint(byte))) inside a comment") }
      index += 1
    }
  }

  /// ws-comment-newline = *( wschar / [ comment ] newline ).
  private mutating func skipWhitespaceCommentsAndNewlines() throws(Failure) {
    while true {
      skipWhitespace()
      try skipComment()
      guard try skipNewline() else { return }
    }
  }

  // MARK: Bytes

  private func describe(_ byte: UInt8?) -> String {
    guard let byte else { return "the end of the file" }
    if byte >= 0x21 && byte <= 0x7E { return "'\(Character(Unicode.Scalar(byte)))'" }
    return byte < 0x80 ? Self.codePoint(byte) : "a non-ASCII character"
  }

  private static func codePoint(_ byte: UInt8) -> String {
    let hex = String(byte, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: 4 - hex.count) + hex
  }

  /// A control character TOML allows nowhere unescaped: U+0000–U+001F but tab, and U+007F.
  private static func isControl(_ byte: UInt8) -> Bool { (byte < 0x20 && byte != 0x09) || byte == 0x7F }
  private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

  /// unquoted-key = 1*( ALPHA / DIGIT / "-" / "_" ).
  private static func isBareKeyByte(_ byte: UInt8) -> Bool {
    TOMLScalar.isDecimalDigit(byte) || isLetter(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
  }

  private static func startsKey(_ byte: UInt8) -> Bool {
    isBareKeyByte(byte) || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
  }

  /// The bytes of booleans, numbers and date-times (but the space between a date and its time).
  private static func isScalarByte(_ byte: UInt8) -> Bool {
    TOMLScalar.isDecimalDigit(byte) || isLetter(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
      || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
  }

  private static func hexValue(_ byte: UInt8) -> UInt32? {
    if TOMLScalar.isDecimalDigit(byte) { return UInt32(byte - 0x30) }
    let lower = byte | 0x20
    return lower >= 0x61 && lower <= 0x66 ? UInt32(lower - 0x61 + 10) : nil
  }
}
