import Reporting

/// The layer tree: a heading (the filter or the sort), then the rows, scrolled to keep the
/// cursor visible.
struct LayerTreeView: Widget {
  enum Row: Hashable {
    case group(name: String, childCount: Int, isExpanded: Bool)
    /// A tensor row: muted when it cannot be analysed, accented when it is the focused tensor.
    case tensor(label: String, depth: Int, isUnanalysable: Bool, isFocused: Bool)
  }

  var rows: [Row]
  var cursor: Int
  var filter = ""
  var isEditingFilter = false
  /// The sort's label, nil when sorted by name.
  var sortLabel: String?

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    guard area.height > 1, area.width > 2 else { return }
    var heading = "Layers"
    if !filter.isEmpty || isEditingFilter {
      heading += " /\(filter)" + (isEditingFilter ? "_" : "")
    } else if let sortLabel {
      heading += " by \(sortLabel)"
    } else if area.width >= 20 {
      heading += " (filter /)"
    }
    screen.put(
      DisplayWidth.fit(glyphs.ascii(heading), area.width - 1), x: area.x + 1, y: area.y, style: theme.accentStyle)
    let visible = area.height - 1
    guard !rows.isEmpty else {
      screen.put(
        DisplayWidth.fit("no tensor matches", area.width - 1), x: area.x + 1, y: area.y + 1, style: theme.mutedStyle)
      return
    }
    let cursor = min(self.cursor, rows.count - 1)
    let first = min(max(cursor - visible / 2, 0), max(rows.count - visible, 0))
    for (offset, row) in rows[first..<min(first + visible, rows.count)].enumerated() {
      let y = area.y + 1 + offset
      let isCursor = first + offset == cursor
      var style = theme.base
      let text: String
      switch row {
      case .group(let name, let count, let isExpanded):
        text = "\(isExpanded ? glyphs.expanded : glyphs.collapsed) \(name) (\(count))"
      case .tensor(let label, let depth, let isUnanalysable, let isFocused):
        text = (depth > 0 ? "   " : "  ") + label
        if isUnanalysable { style = theme.mutedStyle }
        if isFocused && !isCursor { style = theme.accentStyle }
      }
      if isCursor {
        screen.fill(x: area.x, y: y, width: area.width, height: 1, style: theme.selectionStyle)
        style = theme.selectionStyle
      }
      screen.put(
        DisplayWidth.fit(text, area.width - 1, ellipsis: glyphs.ellipsis), x: area.x + 1, y: y, style: style)
    }
  }
}
