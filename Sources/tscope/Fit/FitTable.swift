import Fits
import Foundation
import TensorIO

/// The human table of `tscope fit`: one aligned row per tensor, then the tensors not analysed.
enum FitTable {
  static func render(_ reports: [FitReport], skipped: [TensorInfo]) -> String {
    let header = [
      "name", "count", "nu", "t scale", "t loglik", "normal std", "normal loglik", "laplace b", "laplace loglik",
      "ks(t)", "best",
    ]
    var rows = [header]
    var notes: [String] = []
    for report in reports {
      rows.append([
        report.name,
        String(report.finiteCount == report.count ? "\(report.count)" : "\(report.finiteCount)/\(report.count)"),
        format(report.t?.nu, digits: 3), format(report.t?.scale), format(report.t?.logLikelihood, fixed: true),
        format(report.normal?.scale), format(report.normal?.logLikelihood, fixed: true), format(report.laplace?.scale),
        format(report.laplace?.logLikelihood, fixed: true), format(report.t?.ks, digits: 3),
        report.best?.rawValue ?? "-",
      ])
      if let reason = report.reason { notes.append("\(report.name): \(reason)") }
    }
    let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    var out = ""
    for row in rows {
      let cells = row.enumerated().map { column, cell in
        let padding = String(repeating: " ", count: widths[column] - cell.count)
        return column == 0 ? cell + padding : padding + cell
      }
      out += cells.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
    }
    if !notes.isEmpty { out += "\n" + notes.map { "cannot fit \($0)\n" }.joined() }
    if !skipped.isEmpty {
      out += "\nnot analysed (dtype): " + skipped.map { "\($0.name) (\($0.dtype))" }.joined(separator: ", ") + "\n"
    }
    return out
  }

  /// Four significant digits (or `digits`), or fixed 4 decimals for log-likelihoods; "-" when absent.
  static func format(_ value: Double?, digits: Int = 4, fixed: Bool = false) -> String {
    guard let value, value.isFinite else { return "-" }
    if fixed { return String(format: "%.4f", value) }
    return String(format: "%.\(digits)g", value)
  }
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    var text = self
    while text.last == " " { text.removeLast() }
    return text
  }
}
