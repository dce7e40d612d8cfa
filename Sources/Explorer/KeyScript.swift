import Formats

/// A demo's key script (SPEC §6): one step a line —
/// `key j` / `key enter`, `keys jjf<enter>` (the `--keys` syntax), `type /query`, `wait 0.4`,
/// `resize 100x30`, `# comment`, blank lines.
public struct KeyScript: Equatable, Sendable {
  public enum Step: Equatable, Sendable {
    /// Keys pressed one after another.
    case keys([Key])
    /// A pause, in seconds.
    case wait(Double)
    /// The terminal changes size.
    case resize(width: Int, height: Int)
  }

  /// The steps with the 1-based line each came from.
  public let steps: [(line: Int, step: Step)]

  public static func == (left: KeyScript, right: KeyScript) -> Bool {
    left.steps.map(\.line) == right.steps.map(\.line) && left.steps.map(\.step) == right.steps.map(\.step)
  }

  /// Smallest size a `resize` step accepts; the explorer itself says "too small" below 40×12.
  public static let minimumResize = (width: 20, height: 6)

  public init(steps: [(line: Int, step: Step)]) { self.steps = steps }

  /// Parses a script; the error names the first bad line.
  public static func parse(_ text: String) throws(KeyScriptError) -> KeyScript {
    var steps: [(line: Int, step: Step)] = []
    for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = offset + 1
      let trimmed = rawLine.trimmingLeadingAndTrailingSpaces()
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      let (verb, argument) = trimmed.splitVerb()
      switch verb {
      case "key":
        guard let key = Key(name: argument) else {
          throw KeyScriptError(line: line, problem: "unknown key '\(argument)'")
        }
        steps.append((line, .keys([key])))
      case "keys":
        do {
          steps.append((line, .keys(try Key.sequence(argument))))
        } catch {
          throw KeyScriptError(line: line, problem: error.description)
        }
      case "type":
        // Typed text: every character is a key, a space included.
        steps.append((line, .keys(argument.map { $0 == " " ? Key.space : Key.character($0) })))
      case "wait":
        guard let seconds = Double(argument), seconds.isFinite, seconds >= 0, seconds <= 3600 else {
          throw KeyScriptError(line: line, problem: "wait needs seconds between 0 and 3600, not '\(argument)'")
        }
        steps.append((line, .wait(seconds)))
      case "resize":
        let parts = argument.lowercased().split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]),
          (minimumResize.width...1000).contains(width), (minimumResize.height...1000).contains(height)
        else {
          throw KeyScriptError(
            line: line,
            problem:
              "resize needs WIDTHxHEIGHT from \(minimumResize.width)x\(minimumResize.height) to 1000x1000, not '\(argument)'"
          )
        }
        steps.append((line, .resize(width: width, height: height)))
      default:
        throw KeyScriptError(
          line: line, problem: "unknown step '\(verb)' (known: key, keys, type, wait, resize, # comment)")
      }
    }
    return KeyScript(steps: steps)
  }
}

/// A key script line that cannot be read.
public struct KeyScriptError: Error, CustomStringConvertible, Sendable, Equatable {
  public let line: Int
  public let problem: String
  /// One line: a control character or line break the script put in a step is shown escaped.
  public var description: String { FormatError.oneLine("line \(line): \(problem)") }
}

extension Substring {
  fileprivate func trimmingLeadingAndTrailingSpaces() -> Substring {
    var text = self
    while let first = text.first, first == " " || first == "\t" || first == "\r" { text.removeFirst() }
    while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
    return text
  }

  /// `verb rest-of-line`: the rest keeps its inner spaces (`type a b` types a space).
  fileprivate func splitVerb() -> (verb: String, argument: String) {
    guard let space = firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (String(self), "") }
    return (String(self[..<space]), String(self[index(after: space)...]))
  }
}
