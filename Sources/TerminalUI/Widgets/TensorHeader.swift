import Explorer
import Kernels
import Reporting

/// The focused tensor's two header rows: name, shape and dtype; then its fit
/// (`t: ν=8.93 σ=0.0571  normal: σ=0.0598  best: t`, `fitting…`, or why there is none).
struct TensorHeader: Widget {
  var name: String
  var shape: String
  var dtype: String
  /// The fit, once the tensor is loaded (nil: no fit line yet).
  var fit: FitOutcome?
  /// What the rotation changed, for a rotated tensor (nil otherwise).
  var rotation: RotationLine? = nil

  /// The rotation and the excess kurtosis before → after it.
  struct RotationLine {
    var rotation: String
    var kurtosisBefore: Double?
    var kurtosisAfter: Double?

    init?(_ loaded: LoadedTensor?) {
      guard let loaded, loaded.rotation != .none else { return nil }
      rotation = loaded.rotation.description
      kurtosisBefore = loaded.unrotatedKurtosis
      kurtosisAfter = loaded.kurtosis
    }
  }

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    let headerRight = " \(glyphs.ascii(shape)) \(dtype)"
    let nameRoom = area.width - 1 - DisplayWidth.of(headerRight)
    if nameRoom >= 8 {
      let shownName = DisplayWidth.fit(name, nameRoom, ellipsis: glyphs.ellipsis)
      screen.put(shownName, x: area.x + 1, y: area.y, style: theme.titleStyle)
      screen.put(headerRight, x: area.x + 1 + DisplayWidth.of(shownName), y: area.y, style: theme.mutedStyle)
    } else {
      screen.put(
        DisplayWidth.fit(name, area.width - 1, ellipsis: glyphs.ellipsis), x: area.x + 1, y: area.y,
        style: theme.titleStyle)
    }
    screen.put(DisplayWidth.fit(fitLine(glyphs), area.width - 1), x: area.x + 1, y: area.y + 1, style: theme.base)
  }

  func fitLine(_ glyphs: Glyphs) -> String {
    switch fit {
    case nil:
      return ""
    case .pending?:
      return "fitting\(glyphs.ellipsis)"
    case .failed(let reason)?:
      return glyphs.ascii("no fit: \(reason)")
    case .fitted(let fit)?:
      if let rotation {
        // Rotated: ν and the excess kurtosis before → after, then the rotated fit's scales.
        let before = fit.unrotatedNu.map { Self.nuNumber($0) + "→" } ?? ""
        let kurtosis = [rotation.kurtosisBefore, rotation.kurtosisAfter].map { $0.map(NumberText.compact) ?? "-" }
        return glyphs.ascii(
          "\(rotation.rotation)  ν \(before)\(Self.nuNumber(fit.nu))  kurt \(kurtosis[0])→\(kurtosis[1])"
            + "  t: σ=\(NumberText.compact(fit.tScale))  best: \(fit.best)")
      }
      return glyphs.ascii(
        "t: \(Self.nuText(fit)) σ=\(NumberText.compact(fit.tScale))  normal: σ=\(NumberText.compact(fit.normalStd))"
          + "  best: \(fit.best)")
    }
  }

  /// ν as a number: `8.93`, `412`, `≥1e7` at the fitter's bound.
  static func nuNumber(_ nu: Double) -> String {
    if FitSummary.isAtUpperBound(nu) { return "≥1e7" }
    if nu >= 1e4 { return NumberText.shortScientific(nu, digits: 1) }
    return NumberText.fixed(nu, digits: nu >= 100 ? 0 : 2)
  }

  /// `ν=8.93`, `ν=412`; where the t is the normal, `ν=2.3e5 (normal)`, and at the fitter's
  /// upper bound `ν≥1e7 (normal)`.
  static func nuText(_ fit: FitSummary) -> String {
    if fit.isNuAtUpperBound { return "ν≥1e7 (normal)" }
    if fit.isNuNormalLike { return "ν=\(NumberText.shortScientific(fit.nu, digits: 1)) (normal)" }
    return "ν=" + NumberText.fixed(fit.nu, digits: fit.nu >= 100 ? 0 : 2)
  }
}
