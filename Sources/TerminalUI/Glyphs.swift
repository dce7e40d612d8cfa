/// The characters frames are drawn with: Unicode box drawing and braille in a UTF-8 locale,
/// plain ASCII otherwise (SPEC §6).
public struct Glyphs: Hashable, Sendable {
  public let isUnicode: Bool
  public let horizontal: Character
  public let vertical: Character
  public let topLeft: Character
  public let topRight: Character
  public let bottomLeft: Character
  public let bottomRight: Character
  public let teeDown: Character
  public let teeUp: Character
  public let teeRight: Character
  public let teeLeft: Character
  public let collapsed: Character
  public let expanded: Character
  public let pointer: Character
  public let dot: Character
  public let ellipsis: String
  public let middleDot: String
  /// Code-usage marks, heaviest first: ≥ 1/8 of elements, ≥ 1/64, some, none.
  public let usageMarks: [Character]
  public let checked: String
  public let unchecked: String
  public let approx: String
  public let nu: String
  public let sigma: String
  public let delta: String
  public let times: String

  public static let unicode = Glyphs(
    isUnicode: true, horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└",
    bottomRight: "┘", teeDown: "┬", teeUp: "┴", teeRight: "├", teeLeft: "┤", collapsed: "▸", expanded: "▾",
    pointer: "▶", dot: "●", ellipsis: "…", middleDot: "·", usageMarks: ["●", "•", "·", "○"], checked: "[x]",
    unchecked: "[ ]", approx: "≈", nu: "ν", sigma: "σ", delta: "Δ", times: "×")

  public static let ascii = Glyphs(
    isUnicode: false, horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+",
    bottomRight: "+", teeDown: "+", teeUp: "+", teeRight: "+", teeLeft: "+", collapsed: "+", expanded: "-",
    pointer: ">", dot: "*", ellipsis: "~", middleDot: "-", usageMarks: ["O", "o", ".", "_"], checked: "[x]",
    unchecked: "[ ]", approx: "~", nu: "nu", sigma: "s", delta: "d", times: "x")

  /// Replaces the Unicode-only characters of a label (ν, σ, ×, …) in ASCII mode.
  public func ascii(_ text: String) -> String {
    guard !isUnicode else { return text }
    var result = ""
    for character in text {
      switch character {
      case "ν": result += "nu"
      case "σ": result += "s"
      case "×": result += "x"
      case "Δ": result += "d"
      case "…": result += "~"
      case "·": result += "-"
      case "≈": result += "~"
      case "—": result += "-"
      case "↑": result += "^"
      case "↓": result += "v"
      case "←": result += "<"
      case "→": result += ">"
      case "–": result += "-"
      case "≥": result += ">="
      case "∞": result += "inf"
      case "x̂": result += "xq"
      default: result.append(character.isASCII ? character : "?")
      }
    }
    return result
  }
}
