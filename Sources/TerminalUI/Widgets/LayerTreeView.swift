import Reporting

/// The layer tree: a heading (the filter or the sort), then the rows, scrolled to keep the
/// cursor visible.
struct LayerTreeView: Widget {
  enum Row: Hashable {
    case group(name: String, childCount: Int, isExpanded: Bool)
    /// A tensor row: muted when it cannot be analysed, accented when it is the focused tensor;
    /// `sortValue` is the value a sorted list is ordered by (size, ν, SQNR), right-aligned.
    case tensor(label: String, depth: Int, isUnanalysable: Bool, isFocused: Bool, sortValue: String? = nil)
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
      var text: String
      var value: String?
      switch row {
      case .group(let name, let count, let isExpanded):
        text = DisplayWidth.fit(
          "\(isExpanded ? glyphs.expanded : glyphs.collapsed) \(name) (\(count))", area.width - 1,
          ellipsis: glyphs.ellipsis)
      case .tensor(let label, let depth, let isUnanalysable, let isFocused, let sortValue):
        let indent = depth > 0 ? "   " : "  "
        // Cut in the middle: the block number and the tensor's own name are what tell rows apart.
        let room = area.width - 1 - DisplayWidth.of(indent) - (sortValue.map { DisplayWidth.of($0) + 1 } ?? 0)
        text =
          indent
          + (sortValue != nil
            ? TensorLabel.fitted(label, max(room, 1), ellipsis: glyphs.ellipsis)
            : DisplayWidth.fitMiddle(label, max(room, 1), ellipsis: glyphs.ellipsis))
        value = sortValue
        if isUnanalysable { style = theme.mutedStyle }
        if isFocused && !isCursor { style = theme.accentStyle }
      }
      if isCursor {
        screen.fill(x: area.x, y: y, width: area.width, height: 1, style: theme.selectionStyle)
        style = theme.selectionStyle
      }
      screen.put(text, x: area.x + 1, y: y, style: style)
      if let value, area.width - 1 > DisplayWidth.of(value) + 4 {
        screen.put(
          value, x: area.maxX - DisplayWidth.of(value), y: y, style: isCursor ? style : theme.mutedStyle)
      }
    }
  }
}
