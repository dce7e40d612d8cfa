import Formats
import Parallel
import TensorIO

/// `ID+auto`: the supernormal value that lowers a tensor's MSE the most.
///
/// Candidates are every multiple of max/48 in (−2·max, 2·max) not already in the codebook
/// (both signs; in-range precision and extra range, including E2M1's 5 and 8). Each is
/// screened on a deterministic sample of rows (about 64K elements), then the best few are
/// measured on the rows the caller asked for; the least MSE wins (the smaller |value| on a tie).
public enum SupernormalSearch {
  /// Elements read per candidate while screening.
  public static let screeningElements = 1 << 16
  /// Candidates confirmed on the full selection.
  public static let finalists = 4

  /// The candidate values for `base` (a symmetric single-zero codebook).
  public static func candidates(for base: Codebook) -> [Double] {
    let step = base.fullScale / 48
    return (-95...95).map { Double($0) * step }.filter { $0 != 0 && !base.contains($0) }
  }

  /// The best supernormal format for `tensor` under `settings`, with id `id` and a name
  /// showing the value found (`E2M1+auto=5`).
  public static func bestFormat(
    base: Codebook, id: String, tensor: Tensor, settings: QuantizationSettings,
    isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> QuantFormat {
    var screening = settings
    screening.rows = .sample(maxElements: screeningElements)
    screening.scale = .absmax
    var scored: [(value: Double, mse: Double)] = []
    for value in candidates(for: base) {
      let format = FormatSpec.supernormalFormat(base: base, value: value, id: id)
      let metrics = try Quantizer.measure(tensor, format: format, settings: screening, isCancelled: isCancelled)
      scored.append((value, metrics.mse))
    }
    let ranked = scored.sorted { ($0.mse, abs($0.value)) < ($1.mse, abs($1.value)) }
    var best: (value: Double, mse: Double)?
    for candidate in ranked.prefix(finalists) {
      let format = FormatSpec.supernormalFormat(base: base, value: candidate.value, id: id)
      let mse = try Quantizer.measure(tensor, format: format, settings: settings, isCancelled: isCancelled).mse
      if let current = best, (current.mse, abs(current.value)) <= (mse, abs(candidate.value)) { continue }
      best = (candidate.value, mse)
    }
    let value = best?.value ?? base.fullScale * 4 / 3
    guard case .codebook(let codebook) = FormatSpec.supernormalFormat(base: base, value: value, id: id) else {
      preconditionFailure("a supernormal format is a codebook")
    }
    return .codebook(codebook.renamed(id: id, name: "\(base.name)+auto=\(FormatCatalog.text(for: value))"))
  }
}
