import Formats
import Foundation
import TOMLKit

/// A theme file that cannot be used: one line naming the file and the key.
public struct ThemeError: Error, CustomStringConvertible, Sendable, Equatable {
  public let file: String
  public let problem: String
  public init(file: String, problem: String) {
    self.file = file
    self.problem = problem
  }
  /// One line, whatever the file put in the values it quotes.
  public var description: String { FormatError.oneLine("\(file): \(problem)") }
}

/// Reads themes: tscope's own TOML files and btop's `.theme` files.
public enum ThemeLoader {
  /// Parses a tscope theme (`name = "…"`, `[colors]` with one key per role and `formats = [..]`).
  /// Roles left out keep the default theme's colours; an unknown key or a bad colour is an error
  /// naming the key.
  public static func parseTOML(_ text: String, file: String, fallbackName: String) throws(ThemeError) -> Theme {
    let table: TOMLTable
    do {
      table = try TOMLGuard.table(parsing: text)
    } catch {
      throw ThemeError(
        file: file,
        problem: error.line.map { "not valid TOML at line \($0): \(error.problem)" }
          ?? "not valid TOML: \(error.problem)")
    }
    var theme = Theme.defaultDark
    theme.name = fallbackName
    for key in table.keys {
      switch key {
      case "name":
        guard let name = table[key]?.string, !name.isEmpty else {
          throw ThemeError(file: file, problem: "key name: expected a non-empty string")
        }
        theme.name = name
      case "monochrome":
        guard let flag = table[key]?.bool else {
          throw ThemeError(file: file, problem: "key monochrome: expected true or false")
        }
        theme.isMonochrome = flag
      case "colors":
        guard let colors = table[key]?.table else {
          throw ThemeError(file: file, problem: "key colors: expected a table ([colors])")
        }
        try readColors(colors, into: &theme, file: file)
      default:
        throw ThemeError(file: file, problem: "unknown key \(key) (expected name, monochrome, [colors])")
      }
    }
    return theme
  }

  private static func readColors(_ colors: TOMLTable, into theme: inout Theme, file: String) throws(ThemeError) {
    for key in colors.keys {
      if key == "formats" {
        guard let array = colors[key]?.array, !array.isEmpty else {
          throw ThemeError(file: file, problem: "key colors.formats: expected a non-empty array of colours")
        }
        var palette: [Color] = []
        for (position, element) in array.enumerated() {
          guard let text = element.string, let color = parseColor(text) else {
            throw ThemeError(
              file: file, problem: "key colors.formats[\(position)]: expected a colour like \"#88C0D0\"")
          }
          palette.append(color)
        }
        theme.formats = palette
        continue
      }
      guard let role = Theme.roles.first(where: { $0.key == key }) else {
        let known = (Theme.roles.map(\.key) + ["formats"]).joined(separator: ", ")
        throw ThemeError(file: file, problem: "unknown key colors.\(key) (known: \(known))")
      }
      guard let text = colors[key]?.string, let color = parseColor(text) else {
        throw ThemeError(
          file: file, problem: "key colors.\(key): expected a colour like \"#88C0D0\" or \"default\"")
      }
      theme[keyPath: role.path] = color
    }
  }

  /// btop's role names mapped onto tscope's, first match wins (btop themes set most of them).
  static let btopRoles: [(key: String, sources: [String])] = [
    ("background", ["main_bg"]), ("foreground", ["main_fg"]), ("border", ["cpu_box", "div_line"]),
    ("title", ["title"]), ("accent", ["hi_fg"]), ("muted", ["inactive_fg", "graph_text"]),
    ("selection_bg", ["selected_bg"]), ("selection_fg", ["selected_fg"]),
    ("histogram", ["cpu_mid", "cpu_start"]), ("t_curve", ["temp_end", "hi_fg"]),
    ("normal_curve", ["download_end", "proc_misc"]), ("good", ["free_end", "available_end", "cpu_start"]),
    ("bad", ["used_end", "temp_end"]), ("status_bg", ["meter_bg", "selected_bg"]),
    ("status_fg", ["main_fg"]), ("warning", ["temp_mid", "hi_fg"]),
  ]
  static let btopFormatSources = ["cpu_box", "mem_box", "net_box", "proc_box", "hi_fg", "title"]

  /// Parses a btop theme (`theme[main_bg]="#2E3440"` lines); keys tscope has no use for are ignored.
  public static func parseBtop(_ text: String, file: String, name: String) throws(ThemeError) -> Theme {
    var values: [String: Color] = [:]
    for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = rawLine.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      guard line.hasPrefix("theme["), let close = line.firstIndex(of: "]"), let equals = line.firstIndex(of: "="),
        close < equals
      else {
        throw ThemeError(file: file, problem: "line \(number + 1): expected theme[key]=\"value\"")
      }
      let key = String(line[line.index(line.startIndex, offsetBy: 6)..<close])
      let value = line[line.index(after: equals)...].trimmingCharacters(in: CharacterSet(charactersIn: "\"' \t"))
      if value.isEmpty { continue }  // btop: empty means "terminal default"
      guard let color = parseBtopColor(value) else {
        throw ThemeError(file: file, problem: "key theme[\(key)]: \"\(value)\" is not a colour")
      }
      values[key] = color
    }
    var theme = Theme.defaultDark
    theme.name = name
    theme.background = .terminalDefault
    for mapping in btopRoles {
      guard let role = Theme.roles.first(where: { $0.key == mapping.key }),
        let color = mapping.sources.lazy.compactMap({ values[$0] }).first
      else { continue }
      theme[keyPath: role.path] = color
    }
    let palette = btopFormatSources.compactMap { values[$0] }
    if !palette.isEmpty { theme.formats = palette }
    return theme
  }

  /// `#RRGGBB`, `#RGB` or `default`.
  static func parseColor(_ text: String) -> Color? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    if trimmed == "default" || trimmed == "none" { return .terminalDefault }
    guard trimmed.hasPrefix("#") else { return nil }
    let digits = Array(trimmed.dropFirst())
    guard digits.allSatisfy(\.isHexDigit) else { return nil }
    switch digits.count {
    case 6:
      let value = Int(String(digits), radix: 16)!
      return .rgb(UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
    case 3:
      let parts = digits.map { UInt8(Int(String($0), radix: 16)! * 17) }
      return .rgb(parts[0], parts[1], parts[2])
    default:
      return nil
    }
  }

  /// btop's colour syntax: `#RRGGBB`, `#GG` (a grey), or three decimals `R G B`.
  static func parseBtopColor(_ text: String) -> Color? {
    if text.hasPrefix("#") {
      let digits = text.dropFirst()
      if digits.count == 2, let grey = UInt8(digits, radix: 16) { return .rgb(grey, grey, grey) }
      return parseColor(text)
    }
    let parts = text.split(separator: " ").compactMap { UInt8($0) }
    guard parts.count == 3 else { return nil }
    return .rgb(parts[0], parts[1], parts[2])
  }
}
