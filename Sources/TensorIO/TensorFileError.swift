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

  public var description: String { "\(file): \(problem)" }
}
