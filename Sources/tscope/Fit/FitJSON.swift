import Fits
import Reporting
import TensorIO

/// The JSON object for one `FitReport` (SPEC §2 field names, snake_case, in that order).
enum FitJSON {
  static func object(_ report: FitReport) -> String {
    var members: [(String, String)] = [
      ("name", JSONText.string(report.name)),
      ("count", String(report.count)),
      ("finite_count", String(report.finiteCount)),
      ("mean", JSONText.number(report.mean)),
      ("std", JSONText.number(report.std)),
      ("t", family(report.t, withNu: true)),
      ("normal", family(report.normal, withNu: false)),
      ("laplace", family(report.laplace, withNu: false)),
      ("best", report.best.map { JSONText.string($0.rawValue) } ?? "null"),
      ("fit_elements", String(report.fitElements)),
      ("ks_elements", String(report.ksElements)),
    ]
    if let reason = report.reason { members.append(("reason", JSONText.string(reason))) }
    return JSONText.object(members)
  }

  /// The object for a tensor tscope does not analyse: the same fields, nothing fitted, and why.
  static func unanalysed(_ info: TensorInfo, reason: String) -> String {
    JSONText.object([
      ("name", JSONText.string(info.name)),
      ("count", String(info.count)),
      ("finite_count", "null"),
      ("mean", "null"),
      ("std", "null"),
      ("t", "null"),
      ("normal", "null"),
      ("laplace", "null"),
      ("best", "null"),
      ("fit_elements", "0"),
      ("ks_elements", "0"),
      ("reason", JSONText.string(reason)),
    ])
  }

  static func family(_ fit: FamilyFit?, withNu: Bool) -> String {
    guard let fit else { return "null" }
    var members: [(String, String)] = []
    if withNu { members.append(("nu", JSONText.number(fit.nu))) }
    members += [
      ("loc", JSONText.number(fit.loc)), ("scale", JSONText.number(fit.scale)),
      ("loglik", JSONText.number(fit.logLikelihood)),
      ("ks", JSONText.number(fit.ks)),
    ]
    return JSONText.object(members)
  }
}
