import Reporting

/// The outer border, the separator above the status line, and the layer tree's right border.
struct Frame: Widget {
  /// The layer tree's width including its right border (0: no tree).
  var treeWidth: Int
  /// The row of the separator above the status line.
  var separatorY: Int

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs g: Glyphs) {
    let border = theme.borderStyle
    let (left, top, right, bottom) = (area.x, area.y, area.maxX - 1, area.maxY - 1)
    for x in left...right {
      screen[x, top] = Cell(g.horizontal, border)
      screen[x, separatorY] = Cell(g.horizontal, border)
      screen[x, bottom] = Cell(g.horizontal, border)
    }
    for y in top...bottom {
      screen[left, y] = Cell(g.vertical, border)
      screen[right, y] = Cell(g.vertical, border)
    }
    screen[left, top] = Cell(g.topLeft, border)
    screen[right, top] = Cell(g.topRight, border)
    screen[left, bottom] = Cell(g.bottomLeft, border)
    screen[right, bottom] = Cell(g.bottomRight, border)
    screen[left, separatorY] = Cell(g.teeRight, border)
    screen[right, separatorY] = Cell(g.teeLeft, border)
    if treeWidth > 0 {
      for y in (top + 1)..<separatorY { screen[left + treeWidth, y] = Cell(g.vertical, border) }
      screen[left + treeWidth, top] = Cell(g.teeDown, border)
      screen[left + treeWidth, separatorY] = Cell(g.teeUp, border)
    }
  }
}

/// The title embedded in the top border: model, parameters, tensors; the theme at the right.
struct TitleBar: Widget {
  var modelName: String
  var parameterCount: Int
  var tensorCount: Int
  var themeName: String

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    let dot = glyphs.middleDot
    let title =
      " tscope \(dot) \(modelName) \(dot) \(NumberText.abbreviated(parameterCount)) params \(dot) "
      + "\(tensorCount) tensors "
    let themeText = " \(themeName) "
    let themeWidth = DisplayWidth.of(themeText)
    let room = area.width - 4 - themeWidth
    let shownTitle = DisplayWidth.fit(title, room >= 12 ? room : area.width - 4)
    screen.put(shownTitle, x: area.x + 2, y: area.y, style: theme.titleStyle)
    if room >= 12 && room - DisplayWidth.of(shownTitle) >= 2 {
      screen.put(themeText, x: area.maxX - 2 - themeWidth, y: area.y, style: theme.mutedStyle)
    }
  }
}

/// Below the smallest size: what the size is, what it needs, and how to leave.
struct TooSmallNotice: Widget {
  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    let minimum = TerminalSize.minimum
    let lines = [
      "terminal too small",
      "\(area.width)\(glyphs.times)\(area.height), need \(minimum.width)\(glyphs.times)\(minimum.height)", "q quits",
    ]
    let top = area.y + max((area.height - lines.count) / 2, 0)
    for (offset, line) in lines.enumerated() {
      let shown = DisplayWidth.prefix(line, area.width)
      screen.put(
        shown, x: area.x + max((area.width - DisplayWidth.of(shown)) / 2, 0), y: top + offset,
        style: theme.warningStyle)
    }
  }
}
