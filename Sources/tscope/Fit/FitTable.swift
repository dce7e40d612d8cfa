import Fits
import Foundation
import Reporting
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
        nu(report.t?.nu), format(report.t?.scale), format(report.t?.logLikelihood, fixed: true),
        format(report.normal?.scale), format(report.normal?.logLikelihood, fixed: true), format(report.laplace?.scale),
        format(report.laplace?.logLikelihood, fixed: true), format(report.t?.ks, digits: 3),
        report.best?.rawValue ?? "-",
      ])
      if let reason = report.reason { notes.append("\(report.name): \(reason)") }
    }
    var out = TextTable.render(rows, rightAligned: Set(1..<header.count))
    if !notes.isEmpty { out += "\n" + notes.map { "cannot fit \($0)\n" }.joined() }
    if !skipped.isEmpty {
      out += "\nnot analysed (dtype): " + skipped.map { "\($0.name) (\($0.dtype))" }.joined(separator: ", ") + "\n"
    }
    return out
  }

  /// Four significant digits (or `digits`), or fixed 4 decimals for log-likelihoods; "-" when absent.
  static func format(_ value: Double?, digits: Int = 4, fixed: Bool = false) -> String {
    guard let value, value.isFinite else { return "-" }
    return fixed ? NumberText.fixed(value, digits: 4) : NumberText.significant(value, digits: digits)
  }

  /// ν to three significant digits; at the fitter's upper bound `≥1e7 (normal)` (JSON keeps the number).
  static func nu(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "-" }
    return NumberText.nu(value, upperBound: StudentTFitter.nuRange.upperBound) { format($0, digits: 3) }
  }
}
