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
}
