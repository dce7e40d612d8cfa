import Explorer
import Formats

extension Painter {
  /// The keys of SPEC §6, as the help overlay lists them.
  static let helpLines: [(keys: String, action: String)] = [
    ("↑↓ j k", "move in the layer tree"), ("←→ h l", "collapse / expand"), ("enter", "select tensor / fold"),
    ("/", "filter by name (esc clears)"), ("o", "sort: name, size, ν, error"),
    ("f", "format picker (space toggles)"), ("1-9", "toggle the n-th format"), ("tab", "focus next format"),
    ("s", "supernormal: none → SR → SP"), ("g", "group: tensor, channel, 32…256"), ("m", "scaling absmax / mse"),
    ("c", "compare selected formats"), ("e", "histogram of values / error"), ("y", "log / linear y"),
    ("z Z", "zoom x in / out"), ("n", "normal curve on / off"), ("t", "next theme"), ("?", "help"), ("q", "quit"),
  ]

  mutating func paintHelp() {
    let lines = Self.helpLines.map { glyphs.ascii($0.keys).padding(8) + " " + glyphs.ascii($0.action) }
    let boxWidth = min((lines.map(\.count).max() ?? 20) + 4, width - 2)
    let boxHeight = min(lines.count + 2, height - 2)
    let box = paintBox(title: "keys", width: boxWidth, height: boxHeight)
    for (offset, line) in lines.prefix(box.height).enumerated() {
      screen.put(fit(line, box.width), x: box.x, y: box.y + offset, style: theme.base)
    }
  }

  mutating func paintPicker() {
    let catalogue = FormatChoice.catalogue
    let lines = catalogue.enumerated().map { position, choice -> String in
      let mark = state.selectedFormats.contains(choice) ? glyphs.checked : glyphs.unchecked
      let number = position < 9 ? "\(position + 1)" : " "
      return "\(number) \(mark) \(state.displayName(choice))"
    }
    let footer = "space toggle · s variant · enter done"
    let boxWidth = min(max((lines.map(\.count).max() ?? 20), footer.count) + 4, width - 2)
    let boxHeight = min(lines.count + 3, height - 2)
    let box = paintBox(title: "formats", width: boxWidth, height: boxHeight)
    let visible = box.height - 1
    let cursor = state.pickerCursor ?? 0
    let first = min(max(cursor - visible / 2, 0), max(lines.count - visible, 0))
    for (offset, line) in lines.dropFirst(first).prefix(visible).enumerated() {
      let isCursor = first + offset == cursor
      let style = isCursor ? theme.selectionStyle : theme.base
      if isCursor { screen.fill(x: box.x - 1, y: box.y + offset, width: box.width + 2, height: 1, style: style) }
      screen.put(fit(line, box.width), x: box.x, y: box.y + offset, style: style)
    }
    screen.put(fit(glyphs.ascii(footer), box.width), x: box.x, y: box.y + box.height - 1, style: theme.mutedStyle)
  }

  /// A centred bordered box; returns its inner area.
  mutating func paintBox(title: String, width boxWidth: Int, height boxHeight: Int) -> Rect {
    let x = max((width - boxWidth) / 2, 0)
    let y = max((height - boxHeight) / 2, 0)
    let border = theme.borderStyle
    screen.fill(x: x, y: y, width: boxWidth, height: boxHeight, style: theme.base)
    for column in x..<(x + boxWidth) {
      screen[column, y] = Cell(glyphs.horizontal, border)
      screen[column, y + boxHeight - 1] = Cell(glyphs.horizontal, border)
    }
    for row in y..<(y + boxHeight) {
      screen[x, row] = Cell(glyphs.vertical, border)
      screen[x + boxWidth - 1, row] = Cell(glyphs.vertical, border)
    }
    screen[x, y] = Cell(glyphs.topLeft, border)
    screen[x + boxWidth - 1, y] = Cell(glyphs.topRight, border)
    screen[x, y + boxHeight - 1] = Cell(glyphs.bottomLeft, border)
    screen[x + boxWidth - 1, y + boxHeight - 1] = Cell(glyphs.bottomRight, border)
    screen.put(" \(title) ", x: x + 2, y: y, style: theme.titleStyle, limit: boxWidth - 4)
    return Rect(x: x + 2, y: y + 1, width: boxWidth - 4, height: boxHeight - 2)
  }
}

extension String {
  /// Pads with spaces to `width` characters (never cuts).
  func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(width - count, 0)) }
}
