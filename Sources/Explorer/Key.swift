/// A key press, as the explorer understands it (the terminal backend and key scripts produce these).
public enum Key: Hashable, Sendable {
  case character(Character)
  case up, down, left, right
  case enter, escape, tab, space, backspace
  case pageUp, pageDown, home, end
  /// Ctrl-C: quit, like `q`, but also while typing a filter.
  case interrupt

  /// Parses the `--keys` syntax of SPEC §2: one character each, or a named key in angle
  /// brackets (`<up> <down> <left> <right> <enter> <esc> <tab> <space>`, plus `<backspace>`,
  /// `<pgup>`, `<pgdn>`, `<home>`, `<end>`, `<lt>` for a literal `<`).
  /// Throws `KeySequenceError` naming the unknown key.
  public static func sequence(_ text: String) throws(KeySequenceError) -> [Key] {
    var keys: [Key] = []
    var index = text.startIndex
    while index < text.endIndex {
      let character = text[index]
      if character == "<", let close = text[index...].firstIndex(of: ">"), close > text.index(after: index) {
        let name = String(text[text.index(after: index)..<close])
        guard let key = Key(name: name) else { throw KeySequenceError(name: name) }
        keys.append(key)
        index = text.index(after: close)
        continue
      }
      keys.append(character == " " ? .space : .character(character))
      index = text.index(after: index)
    }
    return keys
  }

  /// A key by its script name (`up`, `enter`, `esc`, …) or a single character; nil when unknown.
  public init?(name: String) {
    switch name.lowercased() {
    case "up": self = .up
    case "down": self = .down
    case "left": self = .left
    case "right": self = .right
    case "enter", "return": self = .enter
    case "esc", "escape": self = .escape
    case "tab": self = .tab
    case "space": self = .space
    case "backspace", "bs": self = .backspace
    case "pgup", "pageup": self = .pageUp
    case "pgdn", "pagedown": self = .pageDown
    case "home": self = .home
    case "end": self = .end
    case "lt": self = .character("<")
    case "gt": self = .character(">")
    case "ctrl-c", "c-c": self = .interrupt
    default:
      guard name.count == 1, let character = name.first else { return nil }
      self = character == " " ? .space : .character(character)
    }
  }
}

/// A key script names a key tscope does not know.
public struct KeySequenceError: Error, CustomStringConvertible, Sendable {
  public let name: String
  public var description: String {
    "unknown key <\(name)> (known: up down left right enter esc tab space backspace pgup pgdn home end)"
  }
}
