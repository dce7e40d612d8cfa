import Reporting

/// One pane of the screen, as ratatui's `Widget`: a small value holding only what it draws,
/// rendered into a rectangle of a `Screen`. `render(_:size:theme:glyphs:)` builds each from the
/// state; each is tested alone against its own golden file.
protocol Widget {
  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs)
}

/// A rectangle of cells.
struct Rect: Hashable {
  var x: Int
  var y: Int
  var width: Int
  var height: Int
  var maxX: Int { x + width }
  var maxY: Int { y + height }
}

/// A message in a pane, word-wrapped from its second row (or its only one).
struct MessageView: Widget {
  var text: String
  var isWarning = false

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    screen.message(glyphs.ascii(text), in: area, style: isWarning ? theme.warningStyle : theme.mutedStyle)
  }
}

extension Screen {
  /// `text` word-wrapped in `area`, from its second row (or its only one); the last line cut.
  mutating func message(_ text: String, in area: Rect, style: Style) {
    guard area.height > 0 else { return }
    var line = ""
    var y = area.y + min(1, area.height - 1)
    for word in text.split(separator: " ") {
      if !line.isEmpty && DisplayWidth.of(line) + 1 + DisplayWidth.of(word) > area.width - 2 {
        put(line, x: area.x + 1, y: y, style: style)
        y += 1
        line = ""
        if y >= area.maxY { return }
      }
      line += (line.isEmpty ? "" : " ") + word
    }
    if y < area.maxY { put(DisplayWidth.fit(line, area.width - 2), x: area.x + 1, y: y, style: style) }
  }

  /// A bordered box of `boxWidth`×`boxHeight` centred in `area`, titled; returns its inner area.
  mutating func box(
    title: String, width boxWidth: Int, height boxHeight: Int, in area: Rect, theme: Theme, glyphs: Glyphs
  ) -> Rect {
    let x = area.x + max((area.width - boxWidth) / 2, 0)
    let y = area.y + max((area.height - boxHeight) / 2, 0)
    let border = theme.borderStyle
    fill(x: x, y: y, width: boxWidth, height: boxHeight, style: theme.base)
    for column in x..<(x + boxWidth) {
      self[column, y] = Cell(glyphs.horizontal, border)
      self[column, y + boxHeight - 1] = Cell(glyphs.horizontal, border)
    }
    for row in y..<(y + boxHeight) {
      self[x, row] = Cell(glyphs.vertical, border)
      self[x + boxWidth - 1, row] = Cell(glyphs.vertical, border)
    }
    self[x, y] = Cell(glyphs.topLeft, border)
    self[x + boxWidth - 1, y] = Cell(glyphs.topRight, border)
    self[x, y + boxHeight - 1] = Cell(glyphs.bottomLeft, border)
    self[x + boxWidth - 1, y + boxHeight - 1] = Cell(glyphs.bottomRight, border)
    put(" \(title) ", x: x + 2, y: y, style: theme.titleStyle, limit: boxWidth - 4)
    return Rect(x: x + 2, y: y + 1, width: boxWidth - 4, height: boxHeight - 2)
  }
}
