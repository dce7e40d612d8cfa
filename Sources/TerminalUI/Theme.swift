/// A theme: a colour for each role the renderer draws, and a palette for the formats.
public struct Theme: Hashable, Sendable {
  public var name: String
  public var background: Color
  public var foreground: Color
  public var border: Color
  public var title: Color
  public var accent: Color
  public var muted: Color
  public var selectionBackground: Color
  public var selectionForeground: Color
  public var histogram: Color
  public var tCurve: Color
  public var normalCurve: Color
  public var good: Color
  public var bad: Color
  public var statusBackground: Color
  public var statusForeground: Color
  public var warning: Color
  /// One colour per selected format, in table order (cycled).
  public var formats: [Color]
  /// Draws emphasis with attributes instead of colour (the monochrome theme and `NO_COLOR`).
  public var isMonochrome = false

  /// The colour roles as theme files name them, with how to read and write each.
  static var roles: [(key: String, path: WritableKeyPath<Theme, Color>)] {
    [
      ("background", \.background), ("foreground", \.foreground), ("border", \.border), ("title", \.title),
      ("accent", \.accent), ("muted", \.muted), ("selection_bg", \.selectionBackground),
      ("selection_fg", \.selectionForeground), ("histogram", \.histogram), ("t_curve", \.tCurve),
      ("normal_curve", \.normalCurve), ("good", \.good), ("bad", \.bad), ("status_bg", \.statusBackground),
      ("status_fg", \.statusForeground), ("warning", \.warning),
    ]
  }

  /// The built-in default (dark), used when no theme file is found and as the base for
  /// theme files that leave roles out.
  public static let defaultDark = Theme(
    name: "default", background: .terminalDefault, foreground: .rgb(0xD0, 0xD0, 0xD0),
    border: .rgb(0x5F, 0x87, 0xAF), title: .rgb(0xFF, 0xFF, 0xFF), accent: .rgb(0x87, 0xD7, 0xFF),
    muted: .rgb(0x80, 0x80, 0x80), selectionBackground: .rgb(0x30, 0x50, 0x80),
    selectionForeground: .rgb(0xFF, 0xFF, 0xFF), histogram: .rgb(0x5F, 0xAF, 0xD7), tCurve: .rgb(0xFF, 0xAF, 0x00),
    normalCurve: .rgb(0xD7, 0x5F, 0xD7), good: .rgb(0x87, 0xD7, 0x5F), bad: .rgb(0xFF, 0x5F, 0x5F),
    statusBackground: .rgb(0x26, 0x26, 0x26), statusForeground: .rgb(0xD0, 0xD0, 0xD0),
    warning: .rgb(0xFF, 0xD7, 0x00),
    formats: [
      .rgb(0xFF, 0xAF, 0x00), .rgb(0x5F, 0xD7, 0xFF), .rgb(0xAF, 0x87, 0xFF), .rgb(0x87, 0xD7, 0x5F),
      .rgb(0xFF, 0x87, 0x87), .rgb(0xD7, 0xD7, 0x87),
    ])

  /// This theme drawn without colour: emphasis by bold, underline and reverse video.
  public func monochrome() -> Theme {
    var theme = self
    for role in Self.roles { theme[keyPath: role.path] = .terminalDefault }
    theme.formats = [.terminalDefault]
    theme.isMonochrome = true
    return theme
  }

  // Styles by role.
  var base: Style { Style(foreground: foreground, background: background) }
  var borderStyle: Style { Style(foreground: border, background: background) }
  var titleStyle: Style { Style(foreground: title, background: background, bold: true) }
  var accentStyle: Style { Style(foreground: accent, background: background, bold: isMonochrome) }
  var mutedStyle: Style { Style(foreground: muted, background: background) }
  var selectionStyle: Style {
    Style(foreground: selectionForeground, background: selectionBackground, bold: true, reverse: isMonochrome)
  }
  var histogramStyle: Style { Style(foreground: histogram, background: background) }
  var tCurveStyle: Style { Style(foreground: tCurve, background: background, bold: true) }
  var normalCurveStyle: Style { Style(foreground: normalCurve, background: background) }
  var goodStyle: Style { Style(foreground: good, background: background, bold: true) }
  var badStyle: Style { Style(foreground: bad, background: background, underline: isMonochrome) }
  var statusStyle: Style { Style(foreground: statusForeground, background: statusBackground, reverse: isMonochrome) }
  var warningStyle: Style { Style(foreground: warning, background: background, bold: true) }
  func formatStyle(_ position: Int) -> Style {
    Style(foreground: formats.isEmpty ? foreground : formats[position % formats.count], background: background)
  }
}
