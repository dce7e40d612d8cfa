import Reporting

/// The model overview: one column per selected format, one line per layer type (and per tensor
/// under an expanded type), each cell the SQNR or the Δ to the line's best, coloured by rank,
/// with the line's winner. The model's summary (mean, weighted mean, wins, bits per weight)
/// heads the table; the cursor's line stays visible as the list scrolls.
struct OverviewTable: Widget {
  struct Line: Hashable {
    enum Kind: Hashable {
      /// A line of numbers ranked against each other (the winner is the highest).
      case ranked
      /// A line of text cells (wins, bits per weight): not ranked.
      case text([String])
    }

    var label: String
    var depth = 0
    var kind = Kind.ranked
    var values: [Double?] = []
    /// Per cell: still a sampled estimate.
    var isEstimate: [Bool] = []
    /// Per cell without a value: what it shows instead (`n/a`, `exact`); nil while it is computed.
    var notes: [String?] = []
    /// Whether the cursor can rest on this line (the model's detail lines cannot).
    var isSelectable = true
  }

  var title: String
  var formatNames: [String]
  var lines: [Line]
  /// Index into `lines` of the cursor's line.
  var cursorLine: Int
  var showsDelta: Bool

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    guard area.height > 2, area.width > 20 else { return }
    screen.put(
      DisplayWidth.fit(glyphs.ascii(title), area.width - 2, ellipsis: glyphs.ellipsis), x: area.x + 1, y: area.y,
      style: theme.accentStyle)
    let longest = formatNames.map { DisplayWidth.of($0) }.max() ?? 4
    let winnerWidth = min(10, max(longest, 4) + 1)
    // Wide enough for the longest name (SF4(fit)), at most 10.
    let cellWidth = min(max(longest + 1, 8), 10)
    // Columns that fit after a name column of at least 16.
    let fitting = max((area.width - 2 - 16 - winnerWidth) / cellWidth, 1)
    let shown = min(formatNames.count, fitting)
    let nameWidth = area.width - 2 - shown * cellWidth - winnerWidth
    var x = area.x + 2 + nameWidth
    screen.put(DisplayWidth.fit("tensors", nameWidth - 1), x: area.x + 2, y: area.y + 1, style: theme.accentStyle)
    for (position, name) in formatNames.prefix(shown).enumerated() {
      screen.put(
        DisplayWidth.leftPadded(DisplayWidth.fit(name, cellWidth - 1), cellWidth - 1), x: x, y: area.y + 1,
        style: theme.formatStyle(position))
      x += cellWidth
    }
    screen.put(" best", x: x, y: area.y + 1, style: theme.accentStyle)
    let visible = area.height - 2
    let first = min(max(cursorLine - visible + 1, 0), max(lines.count - visible, 0))
    for (offset, line) in lines.dropFirst(first).prefix(visible).enumerated() {
      let y = area.y + 2 + offset
      let isCursor = first + offset == cursorLine
      let base = isCursor ? theme.selectionStyle : theme.base
      if isCursor { screen.fill(x: area.x, y: y, width: area.width, height: 1, style: base) }
      screen[area.x, y] = Cell(isCursor ? glyphs.pointer : " ", base)
      let indent = String(repeating: " ", count: 2 * line.depth)
      screen.put(
        DisplayWidth.fitMiddle(indent + glyphs.ascii(line.label), nameWidth - 1, ellipsis: glyphs.ellipsis),
        x: area.x + 2, y: y, style: line.isSelectable ? base : (isCursor ? base : theme.mutedStyle))
      drawCells(
        line, shown: shown, cellWidth: cellWidth, x: area.x + 2 + nameWidth, y: y, base: base, isCursor: isCursor,
        screen: &screen, theme: theme, glyphs: glyphs)
    }
  }

  private func drawCells(
    _ line: Line, shown: Int, cellWidth: Int, x: Int, y: Int, base: Style, isCursor: Bool, screen: inout Screen,
    theme: Theme,
    glyphs: Glyphs
  ) {
    var column = x
    if case .text(let texts) = line.kind {
      for text in texts.prefix(shown) {
        screen.put(
          DisplayWidth.leftPadded(DisplayWidth.fit(text, cellWidth - 1), cellWidth - 1), x: column, y: y,
          style: isCursor ? base : theme.mutedStyle)
        column += cellWidth
      }
      return
    }
    let known = line.values.compactMap { $0 }
    let best = known.max()
    let worst = known.min()
    for (position, value) in line.values.prefix(shown).enumerated() {
      let text: String
      var style = base
      if let value {
        let mark = line.isEstimate[position] ? glyphs.approx : ""
        if showsDelta, let best {
          text = best - value < 0.005 ? (glyphs.isUnicode ? "—" : "-") : "-" + NumberText.fixed(best - value, digits: 2)
        } else {
          text = mark + NumberText.fixed(value, digits: 2)
        }
        if !isCursor && known.count > 1 {
          if value == best { style = theme.goodStyle } else if value == worst { style = theme.badStyle }
        }
      } else {
        text = (position < line.notes.count ? line.notes[position] : nil) ?? glyphs.ellipsis
        if !isCursor { style = theme.mutedStyle }
      }
      screen.put(
        DisplayWidth.leftPadded(DisplayWidth.fit(text, cellWidth - 1), cellWidth - 1), x: column, y: y,
        style: style)
      column += cellWidth
    }
    let isComplete = line.values.indices.allSatisfy {
      line.values[$0] != nil || ($0 < line.notes.count && line.notes[$0] != nil)
    }
    if let best, let winner = line.values.firstIndex(where: { $0 == best }), isComplete {
      screen.put(
        " " + DisplayWidth.fit(formatNames[winner], 9), x: column, y: y,
        style: isCursor ? base : theme.formatStyle(winner))
    }
  }
}
