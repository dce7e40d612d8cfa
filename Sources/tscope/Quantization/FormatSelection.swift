import Formats
import Kernels

/// Turns `--format` / `--codebook` / `--group` arguments into parsed values, mapping every
/// problem to one `UsageError` line (exit status 2).
enum FormatSelection {
  /// Loads `codebookFile` (when given) and parses each id.
  static func specs(_ ids: [String], codebookFile: String?) throws -> [FormatSpec] {
    let user = try userCodebooks(codebookFile)
    return try ids.map { id in
      do {
        return try FormatSpec.parse(id, userCodebooks: user)
      } catch {
        throw UsageError("\(error)")
      }
    }
  }

  static func userCodebooks(_ file: String?) throws -> [String: Codebook] {
    guard let file else { return [:] }
    do {
      return try CodebookFile.load(path: file)
    } catch {
      throw UsageError("\(error)")
    }
  }

  static func group(_ text: String) throws -> GroupSize {
    guard let group = GroupSize(parsing: text) else {
      throw UsageError("--group must be 'tensor', 'channel' or a positive element count, not '\(text)'")
    }
    return group
  }
}

/// JSON numbers: non-finite values (an error-free SQNR) are written as null.
extension JSONText {
  static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
}
