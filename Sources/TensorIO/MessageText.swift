/// Text from a model file (a tensor name, a key, a member path) made safe for a one-line error
/// message: control characters escaped, and cut short, since a hostile file can put megabytes of
/// anything in a name.
enum MessageText {
  static let longest = 80

  /// `text` in double quotes, escaped and shortened.
  static func quoted(_ text: String) -> String {
    "\"" + escaped(text) + "\""
  }

  /// `text` with control characters written as `\n`, `\u{1b}`, …, cut after `longest` characters.
  static func escaped(_ text: String) -> String {
    var result = ""
    for (index, scalar) in text.unicodeScalars.enumerated() {
      guard index < longest else {
        result += "…"
        break
      }
      switch scalar {
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      default:
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
          || scalar.properties.generalCategory == .lineSeparator
          || scalar.properties.generalCategory == .paragraphSeparator
        {
          result += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
          result.unicodeScalars.append(scalar)
        }
      }
    }
    return result
  }
}
