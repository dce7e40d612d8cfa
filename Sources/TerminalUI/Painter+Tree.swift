import Explorer

extension Painter {
  /// The layer tree: a heading (filter or sort), then the rows, scrolled to keep the cursor visible.
  mutating func paintTree(_ area: Rect) {
    guard area.height > 1, area.width > 2 else { return }
    var heading = "Layers"
    if !state.filter.isEmpty || state.isEditingFilter {
      heading += " /\(state.filter)" + (state.isEditingFilter ? "_" : "")
    } else if state.sortKey != .name {
      heading += " by \(state.sortKey.label)"
    } else if area.width >= 20 {
      heading += " (filter /)"
    }
    screen.put(fit(glyphs.ascii(heading), area.width - 1), x: area.x + 1, y: area.y, style: theme.accentStyle)
    let rows = LayerTree.rows(state)
    let visible = area.height - 1
    guard !rows.isEmpty else {
      screen.put(fit("no tensor matches", area.width - 1), x: area.x + 1, y: area.y + 1, style: theme.mutedStyle)
      return
    }
    let cursor = min(state.cursor, rows.count - 1)
    let first = min(max(cursor - visible / 2, 0), max(rows.count - visible, 0))
    for (offset, row) in rows[first..<min(first + visible, rows.count)].enumerated() {
      let y = area.y + 1 + offset
      let isCursor = first + offset == cursor
      var style = theme.base
      let text: String
      switch row {
      case .group(let name, let count, let isExpanded):
        text = "\(isExpanded ? glyphs.expanded : glyphs.collapsed) \(name) (\(count))"
      case .tensor(let index, let label, let depth):
        let entry = state.tensors[index]
        let indent = depth > 0 ? "   " : "  "
        text = indent + label
        if entry.unanalysableReason != nil { style = theme.mutedStyle }
        if index == state.focusedTensor && !isCursor { style = theme.accentStyle }
      }
      if isCursor {
        screen.fill(x: area.x, y: y, width: area.width, height: 1, style: theme.selectionStyle)
        style = theme.selectionStyle
      }
      screen.put(fit(text, area.width - 1, ellipsis: glyphs.ellipsis), x: area.x + 1, y: y, style: style)
    }
  }
}
