/// How many terminal columns text takes: the one measure the explorer's screen and the command
/// line's tables cut and pad by. A tensor name from a file can hold anything: East Asian wide and
/// fullwidth characters take two columns, combining marks, zero-width joiners and variation
/// selectors none, everything else one. Swift's `Character` is already a grapheme cluster (a base
/// with its combining marks), so a character is as wide as its widest scalar.
public enum DisplayWidth {
  /// Columns `text` takes.
  public static func of(_ text: some StringProtocol) -> Int {
    text.reduce(0) { $0 + of($1) }
  }

  /// Columns one character takes: 0, 1 or 2.
  public static func of(_ character: Character) -> Int {
    if character.isASCII { return character.asciiValue! >= 0x20 && character != "\u{7F}" ? 1 : 0 }
    let scalars = character.unicodeScalars
    if isZeroWidth(scalars.first!) { return 0 }
    return scalars.contains(where: isWide) ? 2 : 1
  }

  /// Whether `scalar` is East Asian Wide or Fullwidth (Unicode 14's EastAsianWidth.txt, W and F).
  public static func isWide(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    guard value >= 0x1100 else { return false }
    var lower = 0
    var upper = wideRanges.count
    while lower < upper {
      let middle = (lower + upper) / 2
      if wideRanges[middle].upperBound < value {
        lower = middle + 1
      } else {
        upper = middle
      }
    }
    return lower < wideRanges.count && wideRanges[lower].contains(value)
  }

  /// Whether `scalar` takes no column of its own: a nonspacing or enclosing mark (general
  /// category Mn, Me), a format character (Cf: zero-width space and joiners, marks of direction),
  /// or a control character.
  public static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format, .control: return true
    default: return false
    }
  }

  /// `text` cut to at most `width` columns, the cut marked with `ellipsis`.
  public static func fit(_ text: String, _ width: Int, ellipsis: String = "…") -> String {
    guard width > 0 else { return "" }
    guard of(text) > width else { return text }
    let mark = prefix(ellipsis, width)
    return prefix(text, width - of(mark)) + mark
  }

  /// `text` cut in the middle to at most `width` columns, so both its start and its end (a
  /// tensor name's module path and its `…output.dense.weight`) stay readable.
  public static func fitMiddle(_ text: String, _ width: Int, ellipsis: String = "…") -> String {
    guard width > 0 else { return "" }
    guard of(text) > width else { return text }
    let mark = prefix(ellipsis, width)
    let room = width - of(mark)
    let head = prefix(text, room / 2)
    return head + mark + suffix(text, room - of(head))
  }

  /// The longest end of `text` that takes at most `width` columns.
  public static func suffix(_ text: String, _ width: Int) -> String {
    var result = ""
    var used = 0
    for character in text.reversed() {
      let columns = of(character)
      if used + columns > width { break }
      result.insert(character, at: result.startIndex)
      used += columns
    }
    return result
  }

  /// The longest start of `text` that takes at most `width` columns.
  public static func prefix(_ text: String, _ width: Int) -> String {
    var result = ""
    var used = 0
    for character in text {
      let columns = of(character)
      if used + columns > width { break }
      result.append(character)
      used += columns
    }
    return result
  }

  /// `text` padded with spaces on the right to `width` columns (never cut).
  public static func padded(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(width - of(text), 0))
  }

  /// `text` padded with spaces on the left to `width` columns (never cut).
  public static func leftPadded(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(width - of(text), 0)) + text
  }

  /// A table cell: `text` padded or cut to `width` columns, keeping one column as a gap.
  public static func cell(_ text: String, _ width: Int) -> String {
    padded(of(text) >= width ? prefix(text, width - 1) : text, width)
  }

  // Generated from Python's unicodedata (Unicode 14.0): assigned code points whose
  // east_asian_width is W or F; planes 2 and 3 whole, as Unicode's default for them is W.
  static let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0, 0x23F3...0x23F3,
    0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F...0x267F, 0x2693...0x2693, 0x26A1...0x26A1,
    0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE...0x26CE, 0x26D4...0x26D4, 0x26EA...0x26EA,
    0x26F2...0x26F3, 0x26F5...0x26F5, 0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705, 0x270A...0x270B,
    0x2728...0x2728, 0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755, 0x2757...0x2757, 0x2795...0x2797,
    0x27B0...0x27B0, 0x27BF...0x27BF, 0x2B1B...0x2B1C, 0x2B50...0x2B50, 0x2B55...0x2B55, 0x2E80...0x2E99,
    0x2E9B...0x2EF3, 0x2F00...0x2FD5, 0x2FF0...0x2FFB, 0x3000...0x303E, 0x3041...0x3096, 0x3099...0x30FF,
    0x3105...0x312F, 0x3131...0x318E, 0x3190...0x31E3, 0x31F0...0x321E, 0x3220...0x3247, 0x3250...0x4DBF,
    0x4E00...0xA48C, 0xA490...0xA4C6, 0xA960...0xA97C, 0xAC00...0xD7A3, 0xF900...0xFA6D, 0xFA70...0xFAD9,
    0xFE10...0xFE19, 0xFE30...0xFE52, 0xFE54...0xFE66, 0xFE68...0xFE6B, 0xFF01...0xFF60, 0xFFE0...0xFFE6,
    0x16FE0...0x16FE4, 0x16FF0...0x16FF1, 0x17000...0x187F7, 0x18800...0x18CD5, 0x18D00...0x18D08, 0x1AFF0...0x1AFF3,
    0x1AFF5...0x1AFFB, 0x1AFFD...0x1AFFE, 0x1B000...0x1B122, 0x1B150...0x1B152, 0x1B164...0x1B167, 0x1B170...0x1B2FB,
    0x1F004...0x1F004, 0x1F0CF...0x1F0CF, 0x1F18E...0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F202, 0x1F210...0x1F23B,
    0x1F240...0x1F248, 0x1F250...0x1F251, 0x1F260...0x1F265, 0x1F300...0x1F320, 0x1F32D...0x1F335, 0x1F337...0x1F37C,
    0x1F37E...0x1F393, 0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0, 0x1F3F4...0x1F3F4, 0x1F3F8...0x1F43E,
    0x1F440...0x1F440, 0x1F442...0x1F4FC, 0x1F4FF...0x1F53D, 0x1F54B...0x1F54E, 0x1F550...0x1F567, 0x1F57A...0x1F57A,
    0x1F595...0x1F596, 0x1F5A4...0x1F5A4, 0x1F5FB...0x1F64F, 0x1F680...0x1F6C5, 0x1F6CC...0x1F6CC, 0x1F6D0...0x1F6D2,
    0x1F6D5...0x1F6D7, 0x1F6DD...0x1F6DF, 0x1F6EB...0x1F6EC, 0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7EB, 0x1F7F0...0x1F7F0,
    0x1F90C...0x1F93A, 0x1F93C...0x1F945, 0x1F947...0x1F9FF, 0x1FA70...0x1FA74, 0x1FA78...0x1FA7C, 0x1FA80...0x1FA86,
    0x1FA90...0x1FAAC, 0x1FAB0...0x1FABA, 0x1FAC0...0x1FAC5, 0x1FAD0...0x1FAD9, 0x1FAE0...0x1FAE7, 0x1FAF0...0x1FAF6,
    0x20000...0x2FFFD, 0x30000...0x3FFFD,
  ]
}
