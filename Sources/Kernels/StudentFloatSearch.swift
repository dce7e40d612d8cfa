import Formats
import Foundation
import Parallel
import TensorIO

/// `sf4@auto`: SF(ν) at the ν with the least MSE on a tensor.
///
/// Every candidate is measured on the rows the caller asked for, several per pass over the data
/// (`Quantizer.measure(_:formats:)`). First the grid `grid` (which holds the ν people compare
/// with, so the choice is never worse than any of them); then `refinements` rounds, each
/// measuring `pointsPerRound` ν evenly spaced in log ν strictly inside the bracket around the
/// best ν so far (its neighbours among the points measured), which shrinks the bracket about
/// fivefold per round. The least MSE wins (the earlier-measured ν on a tie).
public enum StudentFloatSearch {
  /// The first pass: ν from 1.5 to 1000, the search's range.
  public static let grid: [Double] = [1.5, 2, 2.5, 3, 4, 5, 6, 8, 12, 20, 30, 60, 150, 400, 1000]
  public static let refinements = 3
  public static let pointsPerRound = 9

  public static func bestFormat(
    bits: Int, id: String, tensor: Tensor, settings: QuantizationSettings,
    isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> QuantFormat {
    var measured: [(nu: Double, mse: Double)] = []
    func measure(_ nus: [Double]) throws(Cancelled) {
      let formats = nus.map { QuantFormat.codebook(FormatCatalog.studentFloat(bits: bits, nu: $0)) }
      let metrics = try Quantizer.measure(tensor, formats: formats, settings: settings, isCancelled: isCancelled)
      measured += zip(nus, metrics.map(\.mse)).map { ($0, $1.isNaN ? .infinity : $1) }
    }
    func best() -> (nu: Double, mse: Double) {
      measured.reduce(measured[0]) { $1.mse < $0.mse ? $1 : $0 }
    }
    try measure(grid)
    for _ in 0..<refinements {
      let chosen = best().nu
      let nus = Set(measured.map(\.nu)).sorted()
      let position = nus.firstIndex(of: chosen)!
      let low = log(nus[max(position - 1, 0)])
      let high = log(nus[min(position + 1, nus.count - 1)])
      guard high > low else { break }
      let step = (high - low) / Double(pointsPerRound + 1)
      try measure((1...pointsPerRound).map { exp(low + Double($0) * step) }.filter { !nus.contains($0) })
    }
    let nu = best().nu
    let codebook = FormatCatalog.studentFloat(bits: bits, nu: nu)
    return .codebook(codebook.renamed(id: id, name: "SF\(bits) (ν=\(String(format: "%.4g", nu)), auto)"))
  }
}
