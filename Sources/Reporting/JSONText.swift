/// Minimal JSON text for command output: fields stay in the order SPEC §2 lists them
/// (Foundation's JSONEncoder does not keep declaration order on Linux).
public enum JSONText {
  /// A JSON string literal, escaping quotes, backslashes and control characters (RFC 8259 §7).
  public static func string(_ text: String) -> String {
    if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
      return "\"" + text + "\""  // the common case: nothing to escape
    }
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  /// A finite number in shortest round-trip form; nil and non-finite values (an error-free
  /// SQNR, a missing fit) are `null`: JSON has no NaN or infinity.
  public static func number(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "null" }
    return NumberText.roundTrip(value)
  }

  /// A string, or `null`.
  public static func string(_ text: String?) -> String { text.map { string($0) } ?? "null" }

  /// An object from already-encoded member values, in the given order.
  public static func object(_ members: [(String, String)]) -> String {
    "{" + members.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
  }

  public static func array(_ elements: [String]) -> String { "[" + elements.joined(separator: ",") + "]" }
}
