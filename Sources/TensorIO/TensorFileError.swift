/// Why a model file cannot be read. Rendered as one line, `FILE: problem`, at the command's edge.
public struct TensorFileError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The file the problem is in, as the user named it (or as an index named it).
  public let file: String
  /// What is wrong, in words a user can act on.
  public let problem: String

  public init(file: String, problem: String) {
    self.file = file
    self.problem = problem
  }

  /// One line, whatever the file put in the names it quotes: every line break a terminal or
  /// Python's `splitlines` knows is shown escaped.
  public var description: String {
    var line = ""
    for scalar in "\(file): \(problem)".unicodeScalars {
      if Self.lineBreaks.contains(scalar.value) {
        line += "\\u{\(String(scalar.value, radix: 16))}"
      } else {
        line.unicodeScalars.append(scalar)
      }
    }
    return line
  }

  private static let lineBreaks: Set<UInt32> = [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029]
}
