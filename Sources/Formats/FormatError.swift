import Distributions

/// Why a format id or a codebook file cannot be used; each case prints as one line.
public enum FormatError: Error, Sendable, Equatable, CustomStringConvertible {
  /// No built-in format, alias or loaded codebook has this id.
  case unknownID(String)
  /// `sf4@NU` with ν that is not a finite number of at least `StudentT.leastNu`.
  case invalidNu(id: String, text: String)
  /// `ID+VALUE` on a format that is not symmetric with a single zero.
  case noSupernormalCode(id: String, base: String)
  /// `ID+VALUE` where VALUE is not a finite non-zero number (or `auto`).
  case invalidSupernormalValue(id: String, text: String)
  /// `ID+VALUE` where VALUE is already representable.
  case valueAlreadyInCodebook(id: String, value: String)
  /// `lloyd@K` with K not an integer from 2 to 256 (nor `normal`, `t`).
  case invalidLevels(id: String, text: String)
  /// `sf4@fit` without a fitted ν.
  case needsFittedNu(id: String)
  /// `ID+auto` asked for outside the kernel, which searches for the value.
  case needsTensorSearch(id: String)
  /// A TOML codebook file that is unreadable or breaks a rule.
  case codebookFile(file: String, problem: String)
  /// A TOML hardware-costs file (`--costs`) that is unreadable or breaks a rule.
  case costsFile(file: String, problem: String)
  /// `MXID:RULE` with a rule that is not floor, rceil or even.
  case unknownScaleRule(id: String, rule: String)
  /// `TYPE:imatrix` without an importance matrix (`--imatrix`) to quantize with.
  case needsImportance(id: String)
  /// `ID:imatrix` on a format that is not one of llama.cpp's types.
  case noImatrixPath(id: String, base: String)
  /// A llama.cpp type ggml makes only with an importance matrix (IQ2_XXS, IQ2_XS, IQ1_S), asked for
  /// without `:imatrix`.
  case onlyWithImportance(id: String)
  /// `TYPE:imatrix` of such a type on a tensor the importance matrix has no entry for.
  case noImportanceEntry(id: String)

  /// `text` on one line: control characters and line breaks (a TOML parser's message may quote
  /// them) written as `\u{…}`.
  public static func oneLine(_ text: String) -> String {
    var line = ""
    for scalar in text.unicodeScalars {
      if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
      {
        line += "\\u{\(String(scalar.value, radix: 16))}"
      } else {
        line.unicodeScalars.append(scalar)
      }
    }
    return line
  }

  public var description: String { Self.oneLine(text) }

  private var text: String {
    switch self {
    case .unknownID(let id):
      "unknown format '\(id)' (see `tscope formats` for the ids)"
    case .invalidNu(let id, let text):
      "format '\(id)': ν must be a number of at least \(StudentT.leastNu), 'fit' or 'auto', not '\(text)'"
    case .noSupernormalCode(let id, let base):
      "format '\(id)': \(base) is not symmetric with a single zero, so it has no spare code for a supernormal value"
    case .invalidSupernormalValue(let id, let text):
      "format '\(id)': the supernormal value must be a finite non-zero number or 'auto', not '\(text)'"
    case .valueAlreadyInCodebook(let id, let value):
      "format '\(id)': \(value) is already in the codebook"
    case .invalidLevels(let id, let text):
      "format '\(id)': the level count must be an integer from 2 to 256, 'normal' or 't', not '\(text)'"
    case .needsFittedNu(let id):
      "format '\(id)' needs the tensor's fitted ν"
    case .needsTensorSearch(let id):
      "format '\(id)' is resolved per tensor by the kernel"
    case .codebookFile(let file, let problem), .costsFile(let file, let problem):
      "\(file): \(problem)"
    case .unknownScaleRule(let id, let rule):
      "format '\(id)': the scale rule must be floor, rceil or even, not '\(rule)'"
    case .needsImportance(let id):
      "format '\(id)' quantizes as llama-quantize --imatrix does: give the importance matrix with --imatrix FILE"
    case .noImatrixPath(let id, let base):
      "format '\(id)': only llama.cpp's types (q4_0 … iq1_m) have an imatrix path, not '\(base)'"
    case .onlyWithImportance(let id):
      "format '\(id)': ggml makes \(id.uppercased()) only with an importance matrix: use '\(id):imatrix' with --imatrix FILE"
    case .noImportanceEntry(let id):
      "format '\(id)': the importance matrix has no entry for this tensor, and ggml makes this type only with one"
    }
  }
}
