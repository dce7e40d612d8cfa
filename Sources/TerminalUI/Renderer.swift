import Explorer

/// A terminal size in cells.
public struct TerminalSize: Hashable, Sendable {
  public let width: Int
  public let height: Int
  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }
  /// The smallest size the explorer draws in (SPEC §6); below it, a "too small" notice.
  public static let minimum = TerminalSize(width: 40, height: 12)
}

/// Draws the whole explorer: a pure function of the state, so tests compare screens directly.
public func render(_ state: State, size: TerminalSize, theme: Theme, glyphs: Glyphs = .unicode) -> Screen {
  var painter = Painter(state: state, theme: theme, glyphs: glyphs, size: size)
  painter.paint()
  return painter.screen
}

/// One frame being painted. Each pane is a method in its own file (`Painter+Tree.swift`, …).
struct Painter {
  let state: State
  let theme: Theme
  let glyphs: Glyphs
  var screen: Screen

  init(state: State, theme: Theme, glyphs: Glyphs, size: TerminalSize) {
    self.state = state
    self.theme = theme
    self.glyphs = glyphs
    screen = Screen(width: size.width, height: size.height, fill: theme.base)
  }

  var width: Int { screen.width }
  var height: Int { screen.height }

  mutating func paint() {
    guard width >= TerminalSize.minimum.width, height >= TerminalSize.minimum.height else {
      paintTooSmall()
      return
    }
    // Frame: title border on row 0, status on row height-2, bottom border on row height-1.
    let bodyTop = 1
    let bodyBottom = height - 3  // exclusive: the separator row above the status line
    let treeWidth = treePaneWidth()
    paintFrame(treeWidth: treeWidth, bodyBottom: bodyBottom)
    let right = Rect(
      x: treeWidth > 0 ? treeWidth + 1 : 1, y: bodyTop,
      width: width - (treeWidth > 0 ? treeWidth + 2 : 2), height: bodyBottom - bodyTop)
    if treeWidth > 0 {
      paintTree(Rect(x: 1, y: bodyTop, width: treeWidth - 1, height: bodyBottom - bodyTop))
    }
    if state.isCompareVisible {
      paintCompare(Rect(x: 1, y: bodyTop, width: width - 2, height: bodyBottom - bodyTop))
    } else {
      paintDetail(right)
    }
    paintStatus(y: height - 2)
    if state.pickerCursor != nil { paintPicker() }
    if state.isHelpVisible { paintHelp() }
  }

  /// The layer tree's width including its right border (0: hidden on narrow screens or in compare view).
  func treePaneWidth() -> Int {
    if state.isCompareVisible || width < 60 { return 0 }
    return min(max(width * 3 / 10, 22), 36) + 1
  }

  mutating func paintTooSmall() {
    let lines = [
      "terminal too small",
      "\(width)\(glyphs.times)\(height), need \(TerminalSize.minimum.width)"
        + "\(glyphs.times)\(TerminalSize.minimum.height)", "q quits",
    ]
    let top = max((height - lines.count) / 2, 0)
    for (offset, line) in lines.enumerated() {
      let shown = String(line.prefix(width))
      screen.put(shown, x: max((width - shown.count) / 2, 0), y: top + offset, style: theme.warningStyle)
    }
  }

  mutating func paintFrame(treeWidth: Int, bodyBottom: Int) {
    let border = theme.borderStyle
    let g = glyphs
    for x in 0..<width {
      screen[x, 0] = Cell(g.horizontal, border)
      screen[x, bodyBottom] = Cell(g.horizontal, border)
      screen[x, height - 1] = Cell(g.horizontal, border)
    }
    for y in 0..<height {
      screen[0, y] = Cell(g.vertical, border)
      screen[width - 1, y] = Cell(g.vertical, border)
    }
    screen[0, 0] = Cell(g.topLeft, border)
    screen[width - 1, 0] = Cell(g.topRight, border)
    screen[0, height - 1] = Cell(g.bottomLeft, border)
    screen[width - 1, height - 1] = Cell(g.bottomRight, border)
    screen[0, bodyBottom] = Cell(g.teeRight, border)
    screen[width - 1, bodyBottom] = Cell(g.teeLeft, border)
    if treeWidth > 0 {
      for y in 1..<bodyBottom { screen[treeWidth, y] = Cell(g.vertical, border) }
      screen[treeWidth, 0] = Cell(g.teeDown, border)
      screen[treeWidth, bodyBottom] = Cell(g.teeUp, border)
    }
    // Title, embedded in the top border.
    let params = formatCount(state.parameterCount)
    let title =
      " tscope \(g.middleDot) \(state.modelName) \(g.middleDot) \(params) params \(g.middleDot) "
      + "\(state.tensors.count) tensors "
    let theme = " \(state.themeName) "
    let room = width - 4 - theme.count
    let shownTitle = room >= 12 ? fit(title, room) : fit(title, width - 4)
    screen.put(shownTitle, x: 2, y: 0, style: self.theme.titleStyle)
    if room >= 12 && room - shownTitle.count >= 2 {
      screen.put(theme, x: width - 2 - theme.count, y: 0, style: self.theme.mutedStyle)
    }
  }

  mutating func paintStatus(y: Int) {
    let style = theme.statusStyle
    screen.fill(x: 1, y: y, width: width - 2, height: 1, style: style)
    let dot = " \(glyphs.middleDot) "
    var parts: [String] = []
    if state.isEditingFilter {
      parts.append("filter: /\(state.filter)_  (enter keeps, esc clears)")
    } else if let problem = state.fileProblem {
      parts.append("\(problem); restart tscope to reopen it")
    } else if let notice = state.notice {
      parts.append(notice)
    } else {
      parts.append("group \(state.settings.group)")
      parts.append(state.settings.scale.rawValue)
      let choice = state.focusedFormat
      if choice.hasSupernormal {
        parts.append("\(choice.name) supernormal: \((state.supernormal[choice] ?? .none).shortName)")
      } else {
        parts.append("\(state.displayName(state.focusedFormat))")
      }
      var work = state.isComputing ? "computing\(glyphs.ellipsis)" : "ready"
      if let milliseconds = state.lastRecomputeMilliseconds, state.showsTimings {
        work += " / \(formatMilliseconds(milliseconds))"
      }
      parts.append(work)
    }
    let right = "? help  q quit"
    let left = glyphs.ascii(parts.joined(separator: dot))
    let room = width - 4
    if left.count + right.count + 2 <= room {
      screen.put(left, x: 2, y: y, style: style)
      screen.put(right, x: width - 2 - right.count, y: y, style: style)
    } else {
      screen.put(fit(left, room), x: 2, y: y, style: style)
    }
  }
}

/// A rectangle of cells.
struct Rect: Hashable {
  var x: Int
  var y: Int
  var width: Int
  var height: Int
  var maxY: Int { y + height }
}

/// Cuts `text` to `width` columns, marking the cut with an ellipsis.
func fit(_ text: String, _ width: Int, ellipsis: String = "…") -> String {
  guard width > 0 else { return "" }
  guard text.count > width else { return text }
  return String(text.prefix(max(width - ellipsis.count, 0))) + ellipsis.prefix(width)
}

/// 22.7M, 1.3B, 4096.
func formatCount(_ count: Int) -> String {
  let value = Double(count)
  if value >= 1e9 { return String(format1(value / 1e9)) + "B" }
  if value >= 1e6 { return String(format1(value / 1e6)) + "M" }
  if value >= 1e4 { return String(format1(value / 1e3)) + "k" }
  return String(count)
}

func format1(_ value: Double) -> String { fixed(value, 1) }

/// Fixed-point text with `digits` decimals (no Foundation formatting: deterministic everywhere).
func fixed(_ value: Double, _ digits: Int) -> String {
  guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let rounded = (abs(value) * scale).rounded()
  let integer = Int(rounded / scale)
  let fraction = Int(rounded - Double(integer) * scale)
  let sign = value < 0 && rounded > 0 ? "-" : ""
  guard digits > 0 else { return sign + String(integer) }
  let fractionText = String(fraction)
  return sign + String(integer) + "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
}

/// Short scientific text: 1.23e-5 (mantissa with `digits` decimals).
func scientific(_ value: Double, _ digits: Int = 2) -> String {
  guard value.isFinite else { return value.isNaN ? "nan" : "inf" }
  if value == 0 { return "0" }
  var exponent = Int((log10Approx(abs(value))).rounded(.down))
  var mantissa = value / pow10(exponent)
  if abs(Double(fixed(mantissa, digits)) ?? mantissa) >= 10 {
    exponent += 1
    mantissa = value / pow10(exponent)
  }
  return fixed(mantissa, digits) + "e" + String(exponent)
}

/// Axis-label text: fixed for moderate magnitudes, scientific otherwise.
func compact(_ value: Double) -> String {
  let magnitude = abs(value)
  if magnitude == 0 { return "0" }
  if magnitude >= 0.01 && magnitude < 1000 {
    return fixed(value, magnitude >= 10 ? 1 : (magnitude >= 0.1 ? 2 : 3))
  }
  return scientific(value, 1)
}

func formatMilliseconds(_ milliseconds: Double) -> String {
  milliseconds >= 10 ? "\(Int(milliseconds.rounded())) ms" : "\(fixed(milliseconds, 1)) ms"
}

func pow10(_ exponent: Int) -> Double {
  var result = 1.0
  if exponent >= 0 {
    for _ in 0..<exponent { result *= 10 }
  } else {
    for _ in 0..<(-exponent) { result /= 10 }
  }
  return result
}

func log10Approx(_ value: Double) -> Double {
  // Exact enough for choosing an exponent; corrected by the caller when the mantissa rounds to 10.
  var exponent = 0.0
  var scaled = value
  while scaled >= 10 {
    scaled /= 10
    exponent += 1
  }
  while scaled < 1 {
    scaled *= 10
    exponent -= 1
  }
  return exponent
}
