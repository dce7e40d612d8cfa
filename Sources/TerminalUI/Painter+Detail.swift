import Explorer

extension Painter {
  /// The right-hand panes: tensor header, histogram with curves and codebook points, error table.
  mutating func paintDetail(_ area: Rect) {
    guard area.width > 10, area.height > 3 else { return }
    guard let focused = state.focusedTensor else {
      screen.put("no tensor selected", x: area.x + 1, y: area.y, style: theme.mutedStyle)
      return
    }
    let entry = state.tensors[focused]
    // Header: name, shape and dtype; then the fit line.
    let shape = glyphs.ascii(entry.shapeText)
    let headerRight = " \(shape) \(entry.dtype)"
    let nameRoom = area.width - 1 - headerRight.count
    if nameRoom >= 8 {
      let name = fit(entry.name, nameRoom, ellipsis: glyphs.ellipsis)
      screen.put(name, x: area.x + 1, y: area.y, style: theme.titleStyle)
      screen.put(headerRight, x: area.x + 1 + name.count, y: area.y, style: theme.mutedStyle)
    } else {
      screen.put(
        fit(entry.name, area.width - 1, ellipsis: glyphs.ellipsis), x: area.x + 1, y: area.y, style: theme.titleStyle)
    }
    screen.put(fit(fitLine(), area.width - 1), x: area.x + 1, y: area.y + 1, style: theme.base)

    let body = Rect(x: area.x, y: area.y + 2, width: area.width, height: area.height - 2)
    switch state.tensorStatus {
    case .unanalysable(let reason):
      paintMessage(glyphs.ascii("not analysed: \(reason)"), in: body, style: theme.warningStyle)
      return
    case .loading, .none:
      paintMessage("loading\(glyphs.ellipsis)", in: body, style: theme.mutedStyle)
      return
    case .ready:
      break
    }
    // Split: the table takes its rows (plus a separator); the histogram gets the rest.
    let tableRows = state.selectedFormats.count + 1
    // At least the header and the focused row; the histogram keeps at least 3 rows.
    let tableHeight = min(tableRows + 1, max(body.height - 4, 3))
    let histogram = Rect(x: body.x, y: body.y, width: body.width, height: body.height - tableHeight)
    paintHistogram(histogram)
    let separatorY = histogram.maxY
    if separatorY < body.maxY {
      let border = theme.borderStyle
      for x in body.x..<(body.x + body.width) { screen[x, separatorY] = Cell(glyphs.horizontal, border) }
      screen[body.x - 1, separatorY] = Cell(body.x - 1 == 0 ? glyphs.teeRight : glyphs.teeRight, border)
      screen[body.x + body.width, separatorY] = Cell(glyphs.teeLeft, border)
      paintTable(Rect(x: body.x, y: separatorY + 1, width: body.width, height: body.maxY - separatorY - 1))
    }
  }

  /// `t: ν=8.93 σ=0.0571  normal: σ=0.0598  best: t`; `fitting…`; or why there is no fit.
  func fitLine() -> String {
    guard case .ready = state.tensorStatus else { return "" }
    switch state.fit {
    case .pending:
      return "fitting\(glyphs.ellipsis)"
    case .failed(let reason):
      return glyphs.ascii("no fit: \(reason)")
    case .fitted(let fit):
      return glyphs.ascii(
        "t: \(nuText(fit)) σ=\(compact(fit.tScale))  normal: σ=\(compact(fit.normalStd))  best: \(fit.best)")
    }
  }

  /// `ν=8.93`, `ν=412`; where the t is the normal, `ν=2.3e5 (normal)`, and at the fitter's
  /// upper bound `ν≥1e7 (normal)`.
  func nuText(_ fit: FitSummary) -> String {
    if fit.isNuAtUpperBound { return "ν≥1e7 (normal)" }
    if fit.isNuNormalLike { return "ν=\(scientific(fit.nu, 1)) (normal)" }
    return "ν=" + (fit.nu >= 100 ? fixed(fit.nu, 0) : fixed(fit.nu, 2))
  }

  mutating func paintMessage(_ text: String, in area: Rect, style: Style) {
    guard area.height > 0 else { return }
    var line = ""
    var y = area.y + min(1, area.height - 1)
    for word in text.split(separator: " ") {
      if !line.isEmpty && line.count + 1 + word.count > area.width - 2 {
        screen.put(line, x: area.x + 1, y: y, style: style)
        y += 1
        line = ""
        if y >= area.maxY { return }
      }
      line += (line.isEmpty ? "" : " ") + word
    }
    if y < area.maxY { screen.put(fit(line, area.width - 2), x: area.x + 1, y: y, style: style) }
  }
}
