import Reporting

/// The keys of SPEC §6 in a centred box.
struct HelpOverlay: Widget {
  static let lines: [(keys: String, action: String)] = [
    ("↑↓ j k", "move in the layer tree"), ("←→ h l", "collapse / expand"), ("enter", "select tensor / fold"),
    ("/", "filter by name (esc clears)"), ("o", "sort: name, size, ν, error"),
    ("f", "format picker (space toggles)"), ("1-9", "toggle the n-th format"), ("tab", "focus next format"),
    ("s", "supernormal: none → SR → SP"), ("g", "group: tensor, channel, 32…256"), ("m", "scaling absmax / mse"),
    ("r", "rotate: none, hadamard, rht"),
    ("c", "compare: SQNR by format × group"), ("e", "histogram of values / error"), ("y n", "log y · normal curve"),
    ("z Z", "zoom x in / out"), ("t R", "next theme · reopen the model"),
    ("v p", "model overview / Pareto (esc back)"), ("d x w", "overview Δ · Pareto x / y axis"), ("? q", "help · quit"),
  ]

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    let lines = Self.lines.map { DisplayWidth.padded(glyphs.ascii($0.keys), 8) + " " + glyphs.ascii($0.action) }
    let boxWidth = min((lines.map(DisplayWidth.of).max() ?? 20) + 4, area.width - 2)
    let boxHeight = min(lines.count + 2, area.height - 2)
    let box = screen.box(title: "keys", width: boxWidth, height: boxHeight, in: area, theme: theme, glyphs: glyphs)
    for (offset, line) in lines.prefix(box.height).enumerated() {
      screen.put(DisplayWidth.fit(line, box.width), x: box.x, y: box.y + offset, style: theme.base)
    }
  }
}

/// The format picker: every format of the catalogue with a check mark, the cursor's row
/// highlighted and kept visible.
struct FormatPicker: Widget {
  struct Line {
    var name: String
    var isSelected: Bool
  }

  var lines: [Line]
  var cursor: Int

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    let texts = lines.enumerated().map { position, line -> String in
      let number = position < 9 ? "\(position + 1)" : " "
      return "\(number) \(line.isSelected ? glyphs.checked : glyphs.unchecked) \(line.name)"
    }
    let footer = "space toggle · s variant · enter done"
    let boxWidth = min(
      max(texts.map(DisplayWidth.of).max() ?? 20, DisplayWidth.of(footer)) + 4, area.width - 2)
    let boxHeight = min(texts.count + 3, area.height - 2)
    let box = screen.box(title: "formats", width: boxWidth, height: boxHeight, in: area, theme: theme, glyphs: glyphs)
    let visible = box.height - 1
    let first = min(max(cursor - visible / 2, 0), max(texts.count - visible, 0))
    for (offset, text) in texts.dropFirst(first).prefix(visible).enumerated() {
      let isCursor = first + offset == cursor
      let style = isCursor ? theme.selectionStyle : theme.base
      if isCursor { screen.fill(x: box.x - 1, y: box.y + offset, width: box.width + 2, height: 1, style: style) }
      screen.put(DisplayWidth.fit(text, box.width), x: box.x, y: box.y + offset, style: style)
    }
    screen.put(
      DisplayWidth.fit(glyphs.ascii(footer), box.width), x: box.x, y: box.y + box.height - 1, style: theme.mutedStyle)
  }
}
