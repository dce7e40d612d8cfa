import Distributions
import Fits
import Formats
import Kernels

/// The fitted distributions the tensor header and the histogram's curves show.
public struct FitSummary: Hashable, Sendable {
  public let nu: Double
  public let tLoc: Double
  public let tScale: Double
  public let normalLoc: Double
  public let normalStd: Double
  /// `t`, `normal` or `laplace`: the best mean log-likelihood.
  public let best: String
  /// ν of the weights before the rotation, for a rotated tensor (nil otherwise).
  public var unrotatedNu: Double?

  public init(nu: Double, tLoc: Double, tScale: Double, normalLoc: Double, normalStd: Double, best: String) {
    self.nu = nu
    self.tLoc = tLoc
    self.tScale = tScale
    self.normalLoc = normalLoc
    self.normalStd = normalStd
    self.best = best
  }

  /// The summary of a fit report; the report's reason (or "no fit") when t or the normal is missing.
  init(_ report: FitReport) throws(AnalysisUnavailable) {
    guard let t = report.t, let normal = report.normal, let nu = t.nu else {
      throw AnalysisUnavailable(report.reason ?? "no fit")
    }
    self.init(
      nu: nu, tLoc: t.loc, tScale: t.scale, normalLoc: normal.loc, normalStd: normal.scale,
      best: report.best?.rawValue ?? "t")
  }

  /// Whether ν sits at the fitter's upper bound, where the t is the normal.
  public var isNuAtUpperBound: Bool { Self.isAtUpperBound(nu) }

  /// Whether `nu` sits at the fitter's upper bound.
  public static func isAtUpperBound(_ nu: Double) -> Bool { nu >= StudentTFitter.nuRange.upperBound }

  /// Whether the t is the normal for every practical purpose (ν ≥ 10⁴: excess kurtosis
  /// 6/(ν − 4) below 0.001), so ν's exact value carries no information.
  public var isNuNormalLike: Bool { nu >= 1e4 }

  /// Density of the fitted Student's t at x.
  public func tDensity(_ x: Double) -> Double {
    guard tScale > 0, nu > 0 else { return 0 }
    return StudentT(nu: nu, loc: tLoc, scale: tScale).pdf(x)
  }

  /// Density of the fitted normal at x.
  public func normalDensity(_ x: Double) -> Double {
    guard normalStd > 0 else { return 0 }
    return Normal(loc: normalLoc, scale: normalStd).pdf(x)
  }
}

/// Where the focused tensor's fit is.
public enum FitOutcome: Hashable, Sendable {
  /// Not known yet (running, or the tensor is still loading).
  case pending
  case fitted(FitSummary)
  /// The fit is impossible on this tensor (all elements equal, …), with the reason.
  case failed(String)

  /// The fit, when there is one.
  public var summary: FitSummary? {
    if case .fitted(let summary) = self { return summary }
    return nil
  }
}

/// Identifies one kernel run: the cache key of the live path.
public struct QuantKey: Hashable, Sendable {
  public let tensor: String
  /// The format as run (a supernormal variant applied: `e2m1-sr`, `sf4@fit`, …).
  public let format: FormatSpec
  public let settings: QuantizationSettings
  /// The rotation the tensor was loaded with.
  public let rotation: Rotation

  public init(tensor: String, format: FormatSpec, settings: QuantizationSettings, rotation: Rotation = .none) {
    self.tensor = tensor
    self.format = format
    self.settings = settings
    self.rotation = rotation
  }
}

/// The kernel's metrics for one key, plus what the screen draws beside them.
public struct QuantResult: Hashable, Sendable {
  public let metrics: QuantizationMetrics
  /// Typical (median) group scale: codebook value × this = tensor units, for drawing the
  /// points; nil when the points have no fixed place (INT4-asym's zero points shift them).
  public let displayScale: Double?
  /// Histogram of x − x̂ (over the sample), for `e` and the compare view.
  public let errorHistogram: Histogram
  /// Histogram of x̂ (over the sample) on the tensor's own range, for the compare view.
  public let dequantizedHistogram: Histogram
  /// True while only the sampled estimate is known (the full run follows).
  public let isEstimate: Bool
  /// A format that needs the fitted ν, run at the default ν because the fit failed: shown
  /// only because the result is exact, which every ν then gives alike.
  public let isNuIndependent: Bool
  /// Time the computation took.
  public let milliseconds: Double

  public init(
    metrics: QuantizationMetrics, displayScale: Double?, errorHistogram: Histogram, dequantizedHistogram: Histogram,
    isEstimate: Bool, isNuIndependent: Bool = false, milliseconds: Double
  ) {
    self.metrics = metrics
    self.displayScale = displayScale
    self.errorHistogram = errorHistogram
    self.dequantizedHistogram = dequantizedHistogram
    self.isEstimate = isEstimate
    self.isNuIndependent = isNuIndependent
    self.milliseconds = milliseconds
  }

  /// The values whose use `metrics.codeUsage` counts (ascending, before scaling).
  public var codebook: [Double] { metrics.format.values }

  /// The same result with another time (the scheduler stamps it).
  public func with(milliseconds: Double) -> QuantResult {
    QuantResult(
      metrics: metrics, displayScale: displayScale, errorHistogram: errorHistogram,
      dequantizedHistogram: dequantizedHistogram, isEstimate: isEstimate, isNuIndependent: isNuIndependent,
      milliseconds: milliseconds)
  }
}

/// The state of one key in the results table.
public enum QuantOutcome: Hashable, Sendable {
  case done(QuantResult)
  /// The format cannot run on this tensor (e.g. no fitted ν); shown in the table row.
  case failed(String)
}
