import Explorer

extension Painter {
  /// The error table: format, MSE, SQNR dB, Δ to the best, max error, codes used. Columns drop
  /// from the right when the pane is narrow.
  mutating func paintTable(_ area: Rect) {
    guard area.height > 0 else { return }
    let columns: [(title: String, width: Int)] = [
      ("MSE", 9), ("SQNR dB", 8), (glyphs.ascii("Δ best"), 7), ("max err", 9), ("codes", 6),
    ]
    let nameWidth = 11
    var shown = 0
    var used = 2 + nameWidth
    for column in columns where used + column.width <= area.width - 1 {
      used += column.width
      shown += 1
    }
    // Header.
    var x = area.x + 2
    screen.put(fit("format", nameWidth), x: x, y: area.y, style: theme.accentStyle)
    x += nameWidth
    for column in columns.prefix(shown) {
      screen.put(pad(column.title, column.width), x: x, y: area.y, style: theme.accentStyle)
      x += column.width
    }
    let rows = state.tableRows
    let bestSQNR = rows.compactMap { row -> Double? in
      if case .done(let result)? = row.outcome { return result.sqnrDB }
      return nil
    }.max()
    let worstSQNR = rows.compactMap { row -> Double? in
      if case .done(let result)? = row.outcome { return result.sqnrDB }
      return nil
    }.min()
    let visible = area.height - 1
    let focusIndex = rows.firstIndex { $0.id == state.focusedFormat } ?? 0
    let first = min(max(focusIndex - visible + 1, 0), max(rows.count - visible, 0))
    for (offset, row) in rows.dropFirst(first).prefix(visible).enumerated() {
      let y = area.y + 1 + offset
      let position = first + offset
      let isFocused = row.id == state.focusedFormat
      let base = isFocused ? theme.selectionStyle : theme.base
      if isFocused { screen.fill(x: area.x, y: y, width: area.width, height: 1, style: base) }
      var dotStyle = theme.formatStyle(position)
      if isFocused { dotStyle.background = base.background }
      screen[area.x, y] = Cell(isFocused ? glyphs.pointer : " ", base)
      screen[area.x + 1, y] = Cell(glyphs.dot, dotStyle)
      screen.put(fit(state.displayName(row.id), nameWidth - 1), x: area.x + 2, y: y, style: base)
      var column = area.x + 2 + nameWidth
      switch row.outcome {
      case .done(let result)?:
        let mark = result.isEstimate ? glyphs.approx : ""
        let delta = bestSQNR.map { $0 - result.sqnrDB } ?? 0
        let cells = [
          mark + scientific(result.mse, 1),
          fixed(result.sqnrDB, 2),
          delta < 0.005 ? (glyphs.isUnicode ? "—" : "-") : "-" + fixed(delta, 2),
          scientific(result.maxAbsError, 1),
          "\(result.codesUsed)/\(result.codebook.count)",
        ]
        for (index, text) in cells.prefix(shown).enumerated() {
          var style = base
          if index == 1 && rows.count > 1 && !isFocused {
            if result.sqnrDB == bestSQNR { style = theme.goodStyle }
            if result.sqnrDB == worstSQNR && bestSQNR != worstSQNR { style = theme.badStyle }
          }
          screen.put(pad(text, columns[index].width), x: column, y: y, style: style)
          column += columns[index].width
        }
      case .failed(let reason)?:
        screen.put(
          fit(reason, area.maxX - column, ellipsis: glyphs.ellipsis), x: column, y: y, style: theme.warningStyle)
      case nil:
        let waiting = row.id.hasSuffix("@fit") && state.fit == nil ? "waiting for fit" : "computing"
        screen.put(waiting + glyphs.ellipsis, x: column, y: y, style: isFocused ? base : theme.mutedStyle)
      }
    }
    if rows.isEmpty {
      screen.put(
        fit("no format selected: f opens the picker", area.width - 2), x: area.x + 2, y: area.y + 1,
        style: theme.mutedStyle)
    }
  }
}

extension Rect {
  var maxX: Int { x + width }
}

/// Left-aligned text padded or cut to `width` (one column kept as a gap).
func pad(_ text: String, _ width: Int) -> String {
  let shown = text.count >= width ? String(text.prefix(width - 1)) : text
  return shown + String(repeating: " ", count: max(width - shown.count, 0))
}
