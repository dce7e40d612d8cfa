import Foundation

/// Where themes are found: the user's folder first (`$XDG_CONFIG_HOME/tscope/themes`, else
/// `~/.config/tscope/themes`), then the bundled `themes/` folder. A name is a file stem:
/// `NAME.toml` (tscope) or `NAME.theme` (btop).
public struct ThemeLibrary: Sendable {
  public let folders: [String]

  public init(folders: [String]) { self.folders = folders }

  /// The standard search path for this process.
  public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ThemeLibrary {
    var folders: [String] = []
    if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
      folders.append(config + "/tscope/themes")
    } else if let home = environment["HOME"], !home.isEmpty {
      folders.append(home + "/.config/tscope/themes")
    }
    folders += ResourceLocator.candidates(environment: environment).map { $0 + "/themes" }
    return ThemeLibrary(folders: folders)
  }

  /// Every theme name found, `default` first, the rest in name order (user themes shadow bundled ones).
  public func names() -> [String] {
    var seen: Set<String> = []
    for folder in folders {
      let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
      for file in files where file.hasSuffix(".toml") || file.hasSuffix(".theme") {
        seen.insert(String(file.split(separator: ".").dropLast().joined(separator: ".")))
      }
    }
    seen.insert("default")
    return ["default"] + seen.subtracting(["default"]).sorted()
  }

  /// Loads theme `name`; the built-in default when `name` is `default` and no file defines it.
  public func load(_ name: String) throws(ThemeError) -> Theme {
    for folder in folders {
      for (suffix, isBtop) in [(".toml", false), (".theme", true)] {
        let path = folder + "/" + name + suffix
        guard FileManager.default.fileExists(atPath: path) else { continue }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
          throw ThemeError(file: path, problem: "cannot read the theme file (not UTF-8 text?)")
        }
        let shown = (path as NSString).lastPathComponent
        return isBtop
          ? try ThemeLoader.parseBtop(text, file: shown, name: name)
          : try ThemeLoader.parseTOML(text, file: shown, fallbackName: name)
      }
    }
    if name == "default" { return .defaultDark }
    throw ThemeError(
      file: name, problem: "no such theme (available: \(names().joined(separator: ", ")))")
  }
}

/// Finds tscope's bundled resources (`themes/`, `samples/`): beside the executable or up to
/// three folders above it (a SwiftPM build lives in `.build/<config>/`), then the current folder.
/// `TSCOPE_HOME` names the folder explicitly and is searched first.
public enum ResourceLocator {
  public static func candidates(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
    var folders: [String] = []
    if let home = environment["TSCOPE_HOME"], !home.isEmpty { folders.append(home) }
    if let executable = executablePath() {
      var folder = (executable as NSString).deletingLastPathComponent
      for _ in 0..<4 {
        folders.append(folder)
        folder = (folder as NSString).deletingLastPathComponent
      }
    }
    folders.append(FileManager.default.currentDirectoryPath)
    var unique: [String] = []
    for folder in folders where !unique.contains(folder) { unique.append(folder) }
    return unique
  }

  /// The first existing `relativePath` under the candidates.
  public static func find(_ relativePath: String, environment: [String: String] = ProcessInfo.processInfo.environment)
    -> String?
  {
    candidates(environment: environment).map { $0 + "/" + relativePath }.first {
      FileManager.default.fileExists(atPath: $0)
    }
  }

  private static func executablePath() -> String? {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
    return Bundle.main.executablePath
  }
}
