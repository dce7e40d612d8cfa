import Foundation
import Testing

@testable import TerminalUI

struct ThemeTests {
  @Test func aTOMLThemeSetsItsRolesAndKeepsTheRest() throws {
    let theme = try ThemeLoader.parseTOML(
      """
      name = "sea"
      [colors]
      background = "#2E3440"
      t_curve = "#fa0"
      formats = ["#112233", "default"]
      """, file: "sea.toml", fallbackName: "file")
    #expect(theme.name == "sea")
    #expect(theme.background == .rgb(0x2E, 0x34, 0x40))
    #expect(theme.tCurve == .rgb(0xFF, 0xAA, 0x00))
    #expect(theme.formats == [.rgb(0x11, 0x22, 0x33), .terminalDefault])
    #expect(theme.border == Theme.defaultDark.border)
  }

  @Test func aBrokenThemeNamesTheKey() {
    #expect(
      throws: ThemeError(
        file: "x.toml", problem: "key colors.border: expected a colour like \"#88C0D0\" or \"default\"")
    ) {
      try ThemeLoader.parseTOML("[colors]\nborder = \"#12\"\n", file: "x.toml", fallbackName: "x")
    }
    do {
      _ = try ThemeLoader.parseTOML("[colors]\nhistogramm = \"#123456\"\n", file: "y.toml", fallbackName: "y")
      Issue.record("expected an error")
    } catch {
      #expect(error.description.hasPrefix("y.toml: unknown key colors.histogramm"))
    }
    do {
      _ = try ThemeLoader.parseTOML("[colors\n", file: "z.toml", fallbackName: "z")
      Issue.record("expected an error")
    } catch {
      #expect(error.description.hasPrefix("z.toml: not valid TOML at line 1"))
    }
  }

  /// An excerpt of btop's own `nord.theme`, as btop ships it.
  @Test func aBtopThemeIsMappedOntoTscopesRoles() throws {
    let text = """
      #Bashtop theme with nord palette (https://www.nordtheme.com)
      #by Justin Zobel <justin.zobel@gmail.com>

      # Colors should be in 6 or 2 character hexadecimal or single spaced rgb decimal: "#RRGGBB", "#BW" or "0-255 0-255 0-255"
      # example for white: "#FFFFFF", "#ff" or "255 255 255".

      # All graphs and meters can be gradients
      # For single color graphs leave "mid" and "end" variable empty.
      # Use "start" and "end" variables for two color gradient
      # Use "start", "mid" and "end" for three color gradient

      # Main background, empty for terminal default, need to be empty if you want transparent background
      theme[main_bg]="#2E3440"

      # Main text color
      theme[main_fg]="#D8DEE9"

      # Title color for boxes
      theme[title]="#8FBCBB"

      # Higlight color for keyboard shortcuts
      theme[hi_fg]="#5E81AC"

      # Background color of selected item in processes box
      theme[selected_bg]="#4C566A"

      # Foreground color of selected item in processes box
      theme[selected_fg]="#ECEFF4"

      # Color of inactive/disabled text
      theme[inactive_fg]="#4C566A"

      # Cpu box outline color
      theme[cpu_box]="#4C566A"

      # Memory/disks box outline color
      theme[mem_box]="#4C566A"

      theme[temp_start]="#81A1C1"
      theme[temp_mid]="#88C0D0"
      theme[temp_end]="#ECEFF4"
      theme[cpu_start]="#81A1C1"
      theme[cpu_mid]="#88C0D0"
      theme[cpu_end]="#ECEFF4"
      theme[used_end]="#ECEFF4"
      theme[graph_text]="255 255 255"
      theme[div_line]="#ab"
      """
    let theme = try ThemeLoader.parseBtop(text, file: "nord.theme", name: "nord")
    #expect(theme.background == .rgb(0x2E, 0x34, 0x40))
    #expect(theme.foreground == .rgb(0xD8, 0xDE, 0xE9))
    #expect(theme.title == .rgb(0x8F, 0xBC, 0xBB))
    #expect(theme.accent == .rgb(0x5E, 0x81, 0xAC))
    #expect(theme.selectionBackground == .rgb(0x4C, 0x56, 0x6A))
    #expect(theme.histogram == .rgb(0x88, 0xC0, 0xD0))
    #expect(theme.border == .rgb(0x4C, 0x56, 0x6A))
    #expect(ThemeLoader.parseBtopColor("255 255 255") == .rgb(255, 255, 255))
    #expect(ThemeLoader.parseBtopColor("#ab") == .rgb(0xAB, 0xAB, 0xAB))
  }

  @Test func aBadBtopValueNamesTheKey() {
    do {
      _ = try ThemeLoader.parseBtop("theme[main_bg]=\"#GG0000\"\n", file: "b.theme", name: "b")
      Issue.record("expected an error")
    } catch {
      #expect(error.description == "b.theme: key theme[main_bg]: \"#GG0000\" is not a colour")
    }
  }

  @Test func theBundledThemesAllLoadAndUserThemesComeFirst() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let bundled = root.appendingPathComponent("themes").path
    let user = FileManager.default.temporaryDirectory.appendingPathComponent("tscope-themes-\(getpid())")
    try FileManager.default.createDirectory(at: user, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: user) }
    try "name = \"nord\"\n[colors]\nborder = \"#010203\"\n".write(
      to: user.appendingPathComponent("nord.toml"), atomically: true, encoding: .utf8)
    try "theme[main_bg]=\"#000000\"\n".write(
      to: user.appendingPathComponent("btopish.theme"), atomically: true, encoding: .utf8)
    let library = ThemeLibrary(folders: [user.path, bundled])
    let names = library.names()
    for name in ["default", "light", "mono", "nord", "gruvbox", "dracula", "btopish"] {
      #expect(names.contains(name), "\(name)")
      _ = try library.load(name)
    }
    #expect(try library.load("nord").border == .rgb(1, 2, 3))
    #expect(try library.load("mono").isMonochrome)
    #expect(throws: ThemeError.self) { try library.load("no-such-theme") }
  }
}

struct ColorModeTests {
  private let theme = Theme.defaultDark

  @Test func decidedByFlagThenThemeThenNoColorThenTerminal() {
    #expect(ColorMode.decide(flag: .color8, theme: theme, environment: ["NO_COLOR": "1"]) == .color8)
    #expect(ColorMode.decide(flag: nil, theme: theme.monochrome(), environment: ["COLORTERM": "truecolor"]) == .mono)
    #expect(
      ColorMode.decide(flag: nil, theme: theme, environment: ["NO_COLOR": "1", "COLORTERM": "truecolor"]) == .mono)
    // An empty NO_COLOR does not count (no-color.org).
    #expect(
      ColorMode.decide(flag: nil, theme: theme, environment: ["NO_COLOR": "", "COLORTERM": "truecolor"]) == .truecolor)
    #expect(ColorMode.decide(flag: nil, theme: theme, environment: ["TERM": "xterm-256color"]) == .color256)
    #expect(ColorMode.decide(flag: nil, theme: theme, environment: ["TERM": "xterm"]) == .color8)
    #expect(ColorMode.decide(flag: nil, theme: theme, environment: ["TERM": "dumb"]) == .mono)
  }

  /// xterm's 256-colour table: 16 + 36r + 6g + b over levels 0, 95, 135, 175, 215, 255; greys 232–255 = 8 + 10k.
  @Test func rgbToXterm256() {
    #expect(ColorMode.index256(255, 0, 0) == 196)
    #expect(ColorMode.index256(0, 0, 0) == 16)
    #expect(ColorMode.index256(255, 255, 255) == 231)
    #expect(ColorMode.index256(0x87, 0xD7, 0xFF) == 117)
    #expect(ColorMode.index256(128, 128, 128) == 244)
    #expect(ColorMode.index256(0x26, 0x26, 0x26) == 235)
  }

  @Test func rgbToBasicEight() {
    #expect(ColorMode.index8(255, 0, 0).index == 1)
    #expect(ColorMode.index8(0, 200, 0).index == 2)
    #expect(ColorMode.index8(0x5F, 0xAF, 0xD7).index == 6)
    #expect(ColorMode.index8(10, 10, 10).index == 0)
    #expect(ColorMode.index8(220, 220, 220).index == 7)
  }
}

struct CanvasTests {
  /// Unicode braille: dot 1 is U+2801 (top left), dot 7 U+2840 (bottom left), dot 8 U+2880 (bottom right).
  @Test func brailleDotsFollowTheUnicodeNumbering() {
    var canvas = DotCanvas(columns: 1, rows: 1, isBraille: true)
    canvas.set(x: 0, y: 3, style: .plain, mark: "*")
    var screen = Screen(width: 1, height: 1)
    canvas.draw(on: &screen, x: 0, y: 0, background: .plain)
    #expect(screen[0, 0].character == "\u{2801}")
    canvas.set(x: 0, y: 0, style: .plain, mark: "*")
    canvas.set(x: 1, y: 0, style: .plain, mark: "*")
    canvas.draw(on: &screen, x: 0, y: 0, background: .plain)
    #expect(screen[0, 0].character == "\u{28C1}")
  }

  @Test func ansiTextCarriesTheColoursOfTheMode() {
    var screen = Screen(width: 2, height: 1)
    screen.put("ab", x: 0, y: 0, style: Style(foreground: .rgb(255, 0, 0), bold: true))
    #expect(screen.ansiText(mode: .truecolor) == "\u{1B}[0;1;38;2;255;0;0mab\u{1B}[0m\n")
    #expect(screen.ansiText(mode: .color256) == "\u{1B}[0;1;38;5;196mab\u{1B}[0m\n")
    #expect(screen.ansiText(mode: .color8) == "\u{1B}[0;1;31mab\u{1B}[0m\n")
    #expect(screen.ansiText(mode: .mono) == "\u{1B}[0;1mab\u{1B}[0m\n")
  }
}
