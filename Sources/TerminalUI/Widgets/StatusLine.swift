import Reporting

/// The status line: the filter being typed, a notice, or the settings and what is being computed;
/// the keys for help and quit at the right when they fit.
struct StatusLine: Widget {
  enum Content: Hashable {
    case filter(String)
    case notice(String)
    /// `group 128 · absmax · NF4 · ready / 12 ms`.
    case settings(group: String, scale: String, format: String, isComputing: Bool, milliseconds: Double?)
  }

  var content: Content

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    let style = theme.statusStyle
    screen.fill(x: area.x, y: area.y, width: area.width, height: 1, style: style)
    var parts: [String]
    switch content {
    case .filter(let filter):
      parts = ["filter: /\(filter)_  (enter keeps, esc clears)"]
    case .notice(let notice):
      parts = [notice]
    case .settings(let group, let scale, let format, let isComputing, let milliseconds):
      var work = isComputing ? "computing\(glyphs.ellipsis)" : "ready"
      if let milliseconds { work += " / \(NumberText.milliseconds(milliseconds))" }
      parts = ["group \(group)", scale, format, work]
    }
    let right = "? help  q quit"
    let left = glyphs.ascii(parts.joined(separator: " \(glyphs.middleDot) "))
    let room = area.width - 2
    if DisplayWidth.of(left) + right.count + 2 <= room {
      screen.put(left, x: area.x + 1, y: area.y, style: style)
      screen.put(right, x: area.maxX - 1 - right.count, y: area.y, style: style)
    } else {
      screen.put(DisplayWidth.fit(left, room), x: area.x + 1, y: area.y, style: style)
    }
  }
}
