import TOMLKit

/// A guard in front of TOMLKit: its toml++ (3.4, in TOMLKit 0.6) fails an assertion, aborting the
/// process, on two kinds of invalid TOML that scripts/fuzz found: a table header whose first key
/// character is neither a bare-key character nor a quote (`[=]`, `[ {x]`, `[` alone), and a `}`
/// inside an array (`x = [1, }]`). The files tscope reads as TOML (codebooks, hardware costs,
/// themes) are checked here first and refused with the line, as any other syntax error.
public enum TOMLGuard {
  public static let headerProblem = "a table header must start with a key (a bare key or a quoted one)"
  public static let bracketProblem = "a '}' inside an array (brackets do not match)"

  /// The 1-based line and the problem of the first such construct, or nil.
  ///
  /// A `[` is a header only first on a line outside any value, so the scan follows strings
  /// (basic, literal, multi-line), comments and the brackets of arrays and inline tables.
  public static func firstProblem(in text: String) -> (line: Int, problem: String)? {
    let bytes = Array(text.utf8)
    var index = 0
    var line = 1
    var open: [UInt8] = []  // the unclosed `[` and `{` of the value being read
    var atLineStart = true
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // a byte-order mark, which toml++ skips
    func byte(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
    func startsKey(_ byte: UInt8?) -> Bool {
      guard let byte else { return false }
      return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "\"")
        || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "]")
    }
    /// Moves past a string opened at `index` by `quote` (three of them: multi-line).
    func skipString(_ quote: UInt8) {
      let triple = byte(1) == quote && byte(2) == quote
      index += triple ? 3 : 1
      while let current = byte(0) {
        if current == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
          if byte(1) == UInt8(ascii: "\n") { line += 1 }
          index += 2
          continue
        }
        if current == quote && (!triple || (byte(1) == quote && byte(2) == quote)) {
          index += triple ? 3 : 1
          return
        }
        if current == UInt8(ascii: "\n") {
          if !triple { return }  // an unterminated one-line string: toml++ reports it
          line += 1
        }
        index += 1
      }
    }
    while index < bytes.count {
      if atLineStart && open.isEmpty {
        while byte(0) == UInt8(ascii: " ") || byte(0) == UInt8(ascii: "\t") { index += 1 }
        atLineStart = false
        if byte(0) == UInt8(ascii: "[") {
          index += byte(1) == UInt8(ascii: "[") ? 2 : 1
          while byte(0) == UInt8(ascii: " ") || byte(0) == UInt8(ascii: "\t") { index += 1 }
          guard startsKey(byte(0)) else { return (line, headerProblem) }
          // The rest of a header is one line (quoted keys cannot hold a line break).
          while let current = byte(0), current != UInt8(ascii: "\n") { index += 1 }
          continue
        }
      }
      guard let current = byte(0) else { break }
      switch current {
      case UInt8(ascii: "\n"):
        line += 1
        atLineStart = open.isEmpty
        index += 1
      case UInt8(ascii: "#"):
        while let next = byte(0), next != UInt8(ascii: "\n") { index += 1 }
      case UInt8(ascii: "\""), UInt8(ascii: "'"):
        skipString(current)
      case UInt8(ascii: "["), UInt8(ascii: "{"):
        open.append(current)
        index += 1
      case UInt8(ascii: "]"), UInt8(ascii: "}"):
        if current == UInt8(ascii: "}") && open.last == UInt8(ascii: "[") { return (line, bracketProblem) }
        _ = open.popLast()
        index += 1
      default:
        index += 1
      }
    }
    return nil
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
