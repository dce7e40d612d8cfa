/// The fitted distributions the tensor header and the histogram's curves show.
public struct FitSummary: Hashable, Sendable {
  public let nu: Double
  public let tLoc: Double
  public let tScale: Double
  public let normalLoc: Double
  public let normalStd: Double
  /// `t`, `normal` or `laplace`: the best mean log-likelihood.
  public let best: String

  public init(nu: Double, tLoc: Double, tScale: Double, normalLoc: Double, normalStd: Double, best: String) {
    self.nu = nu
    self.tLoc = tLoc
    self.tScale = tScale
    self.normalLoc = normalLoc
    self.normalStd = normalStd
    self.best = best
  }

  /// Density of the fitted Student's t at x.
  public func tDensity(_ x: Double) -> Double {
    FitAdapter.studentTDensity(x, nu: nu, loc: tLoc, scale: tScale)
  }

  /// Density of the fitted normal at x.
  public func normalDensity(_ x: Double) -> Double {
    FitAdapter.normalDensity(x, loc: normalLoc, scale: normalStd)
  }
}

/// Identifies one kernel run: the cache key of the live path.
public struct QuantKey: Hashable, Sendable {
  public let tensor: String
  /// The effective format id (`e2m1-sr`, `sf4@fit`, …).
  public let format: String
  public let group: GroupSetting
  public let scale: ScaleMode

  public init(tensor: String, format: String, group: GroupSetting, scale: ScaleMode) {
    self.tensor = tensor
    self.format = format
    self.group = group
    self.scale = scale
  }
}

/// The kernel's answer for one key, plus what the screen draws from it.
public struct QuantResult: Hashable, Sendable {
  public let mse: Double
  public let sqnrDB: Double
  public let maxAbsError: Double
  public let relL2: Double
  /// Elements per codebook value (ascending values).
  public let codeUsage: [Int]
  /// The codebook's values before scaling, ascending.
  public let codebook: [Double]
  /// Typical (median) group scale: codebook value × this = tensor units, for drawing the
  /// points; nil when the points have no fixed place (INT4-asym's zero points shift them).
  public let displayScale: Double?
  /// Histogram of x − x̂ (over the sample), for `e` and the compare view.
  public let errorHistogram: Histogram
  /// Histogram of x̂ (over the sample) on the tensor's own range, for the compare view.
  public let dequantizedHistogram: Histogram
  /// True while only the sampled estimate is known (the full run follows).
  public let isEstimate: Bool
  /// Time the computation took.
  public let milliseconds: Double

  public init(
    mse: Double, sqnrDB: Double, maxAbsError: Double, relL2: Double, codeUsage: [Int], codebook: [Double],
    displayScale: Double?, errorHistogram: Histogram, dequantizedHistogram: Histogram, isEstimate: Bool,
    milliseconds: Double
  ) {
    self.mse = mse
    self.sqnrDB = sqnrDB
    self.maxAbsError = maxAbsError
    self.relL2 = relL2
    self.codeUsage = codeUsage
    self.codebook = codebook
    self.displayScale = displayScale
    self.errorHistogram = errorHistogram
    self.dequantizedHistogram = dequantizedHistogram
    self.isEstimate = isEstimate
    self.milliseconds = milliseconds
  }

  /// Codebook values that received at least one element.
  public var codesUsed: Int { codeUsage.filter { $0 > 0 }.count }

  /// The same result with another time (the scheduler stamps it).
  public func with(milliseconds: Double) -> QuantResult {
    QuantResult(
      mse: mse, sqnrDB: sqnrDB, maxAbsError: maxAbsError, relL2: relL2, codeUsage: codeUsage, codebook: codebook,
      displayScale: displayScale, errorHistogram: errorHistogram, dequantizedHistogram: dequantizedHistogram,
      isEstimate: isEstimate, milliseconds: milliseconds)
  }
}

/// The state of one key in the results table.
public enum QuantOutcome: Hashable, Sendable {
  case done(QuantResult)
  /// The format cannot run on this tensor (e.g. unknown id); shown in the table row.
  case failed(String)
}
