/// Screens as text: plain rows, ANSI escape sequences, and the golden-file form the tests compare.
extension Screen {
  /// The screen with ANSI SGR colours for `mode` (what `tscope snapshot --ansi` prints).
  public func ansiText(mode: ColorMode) -> String {
    (0..<height).map { ansiRow($0, mode: mode) }.joined(separator: "\n") + "\n"
  }

  /// Row `y` with an SGR sequence wherever the style changes, ending with a reset.
  func ansiRow(_ y: Int, mode: ColorMode) -> String {
    var output = ""
    var current: Style?
    for column in 0..<width {
      let cell = self[column, y]
      if cell.style != current {
        output += Self.sgr(cell.style, mode: mode)
        current = cell.style
      }
      if !cell.isContinuation { output.append(cell.character) }
    }
    return output + "\u{1B}[0m"
  }

  static func sgr(_ style: Style, mode: ColorMode) -> String {
    var codes = ["0"]
    if style.bold { codes.append("1") }
    if style.underline { codes.append("4") }
    if style.reverse { codes.append("7") }
    if mode != .mono {
      if let code = colorCode(style.foreground, mode: mode, isBackground: false) { codes.append(code) }
      if let code = colorCode(style.background, mode: mode, isBackground: true) { codes.append(code) }
    }
    return "\u{1B}[" + codes.joined(separator: ";") + "m"
  }

  static func colorCode(_ color: Color, mode: ColorMode, isBackground: Bool) -> String? {
    guard case .rgb(let r, let g, let b) = color else { return nil }
    switch mode {
    case .truecolor: return "\(isBackground ? 48 : 38);2;\(r);\(g);\(b)"
    case .color256: return "\(isBackground ? 48 : 38);5;\(ColorMode.index256(r, g, b))"
    case .color8:
      let basic = ColorMode.index8(r, g, b)
      return "\((isBackground ? 40 : 30) + basic.index)"
    case .mono: return nil
    }
  }

  /// The golden-file form: every row's text, then every row's style runs
  /// (`row start-end fg bg attributes`), so a test failure shows what moved.
  public var goldenText: String {
    var lines = ["# \(width)x\(height)"]
    for row in 0..<height { lines.append("|" + text(row: row) + "|") }
    lines.append("# styles")
    for row in 0..<height {
      var start = 0
      for column in 1...width where column == width || self[column, row].style != self[start, row].style {
        lines.append("\(row) \(start)-\(column - 1) \(Self.describe(self[start, row].style))")
        start = column
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func describe(_ style: Style) -> String {
    func name(_ color: Color) -> String {
      guard case .rgb(let r, let g, let b) = color else { return "-" }
      return [r, g, b].map { byte in
        let text = String(byte, radix: 16)
        return text.count == 1 ? "0" + text : text
      }.joined()
    }
    var text = "fg=\(name(style.foreground)) bg=\(name(style.background))"
    if style.bold { text += " bold" }
    if style.underline { text += " underline" }
    if style.reverse { text += " reverse" }
    return text
  }
}
