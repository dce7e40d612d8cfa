// The explorer's only contact with Formats, Kernels and Stats: when their APIs drift, only this
// file changes. Everything here is a thin translation between their types and the explorer's.
import Distributions
import Fits
import Formats
import Kernels
import TensorIO

/// Why an analysis step stopped.
public enum AnalysisError: Error, Sendable, Equatable {
  case cancelled
  case unavailable(String)
}

/// Codebooks and format ids.
public enum FormatAdapter {
  /// The resolved format for an id (`sf4@fit` needs the tensor's fitted ν).
  static func format(_ id: String, fittedNu: Double?) throws(AnalysisError) -> QuantFormat {
    do {
      return try FormatSpec.parse(id).resolved(fittedNu: fittedNu)
    } catch {
      throw .unavailable(error.description)
    }
  }

  /// The values whose use the kernel counts (ascending, before scaling), and the largest |value|
  /// a group's amax maps onto; nil `pointScale` when the points have no fixed place on the
  /// value axis (INT4-asym's codes shift with each group's zero point).
  static func points(_ format: QuantFormat) -> (values: [Double], maxValue: Double, isPlaceable: Bool) {
    let values = format.values
    switch format {
    case .int4Asymmetric: return (values, 15, false)
    default: return (values, values.map(abs).max() ?? 1, true)
    }
  }

  /// The fixed block of a block-scaled format (MXFP4 32, NVFP4 16), which overrides the group.
  static func blockSize(_ format: QuantFormat) -> Int? { format.blockSize }

  /// The id of a supernormal variant: the paper's names where they exist (`e2m1-sr`,
  /// `e2m1-sp`, `apot4-sp`), else `ID+VALUE` with super-range one step past the largest value
  /// and super-precision in the middle of the widest gap between positive values.
  public static func supernormalID(base: String, variant: Supernormal) -> String {
    switch (base, variant) {
    case (_, .none): return base
    case ("e2m1", .superRange): return "e2m1-sr"
    case ("e2m1", .superPrecision): return "e2m1-sp"
    case ("apot4", .superPrecision): return "apot4-sp"
    default: break
    }
    guard case .codebook(let codebook)? = try? format(base, fittedNu: nil) else { return base }
    let positives = codebook.values.filter { $0 > 0 }
    guard positives.count >= 2 else { return base }
    let value: Double
    if variant == .superRange {
      value = positives[positives.count - 1] * 2 - positives[positives.count - 2]
    } else {
      var widest = (gap: 0.0, middle: 0.0)
      for (lower, upper) in zip(positives, positives.dropFirst()) where upper - lower > widest.gap + 1e-12 {
        widest = (upper - lower, (upper + lower) / 2)
      }
      value = widest.middle
    }
    return "\(base)+\(FormatCatalog.text(for: value))"
  }
}

/// Distribution fits and densities.
public enum FitAdapter {
  /// Fits t, normal and Laplace to the tensor by maximum likelihood (Stats' `TensorFits`:
  /// exact on small tensors, subsample then full-data Newton polish on large ones).
  static func fit(_ tensor: Tensor, isCancelled: @Sendable () -> Bool) throws(AnalysisError) -> FitSummary {
    let report: FitReport
    do {
      report = try TensorFits.fit(tensor, isCancelled: isCancelled)
    } catch {
      throw .cancelled
    }
    guard let t = report.t, let normal = report.normal, let nu = t.nu else {
      throw .unavailable(report.reason ?? "no fit")
    }
    return FitSummary(
      nu: nu, tLoc: t.loc, tScale: t.scale, normalLoc: normal.loc, normalStd: normal.scale,
      best: report.best?.rawValue ?? "t")
  }

  public static func studentTDensity(_ x: Double, nu: Double, loc: Double, scale: Double) -> Double {
    guard scale > 0, nu > 0 else { return 0 }
    return StudentT(nu: nu, loc: loc, scale: scale).pdf(x)
  }

  public static func normalDensity(_ x: Double, loc: Double, scale: Double) -> Double {
    guard scale > 0 else { return 0 }
    return Normal(loc: loc, scale: scale).pdf(x)
  }
}

/// What one kernel run measured.
public struct KernelMeasurement: Sendable {
  public var mse: Double
  public var sqnrDB: Double
  public var maxAbsError: Double
  public var relL2: Double
  /// Elements per value of `points` (ascending).
  public var codeUsage: [Int]
  public var points: [Double]
  /// Where a typical group's points land: value × this = tensor units (nil: not placeable).
  public var pointMaxValue: Double
  public var pointsArePlaceable: Bool
  /// The format's fixed block (MXFP4, NVFP4), which replaces the group setting.
  public var blockSize: Int?
}

/// The kernel: error metrics, code usage, dequantized values, value histograms.
public enum KernelAdapter {
  /// Quantizes `tensor` to `format` and measures the error; polls `isCancelled` between
  /// pieces of work and throws `.cancelled` once it turns true.
  static func measure(
    _ tensor: Tensor, format id: String, fittedNu: Double?, group: GroupSetting, scale: ScaleMode,
    isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> KernelMeasurement {
    let format = try FormatAdapter.format(id, fittedNu: fittedNu)
    let metrics: QuantizationMetrics
    do {
      metrics = try Quantizer.measure(
        tensor, format: format, settings: settings(group, scale), isCancelled: isCancelled)
    } catch {
      throw .cancelled
    }
    let points = FormatAdapter.points(format)
    return KernelMeasurement(
      mse: metrics.mse, sqnrDB: metrics.sqnrDB, maxAbsError: metrics.maxAbsError, relL2: metrics.relativeL2,
      codeUsage: metrics.codeUsage, points: points.values, pointMaxValue: points.maxValue,
      pointsArePlaceable: points.isPlaceable, blockSize: FormatAdapter.blockSize(format))
  }

  /// x̂ for every element of `tensor` (non-finite inputs kept as they are).
  static func dequantize(
    _ tensor: Tensor, format id: String, fittedNu: Double?, group: GroupSetting, scale: ScaleMode,
    isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> [Float] {
    let format = try FormatAdapter.format(id, fittedNu: fittedNu)
    do {
      return try Quantizer.dequantize(
        tensor, format: format, settings: settings(group, scale), isCancelled: isCancelled)
    } catch {
      throw .cancelled
    }
  }

  /// Counts of the tensor's finite values in `bins` bins over `[low, high)`.
  static func valueHistogram(
    _ tensor: Tensor, low: Double, high: Double, bins: Int, isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> [Double] {
    do {
      return try Kernels.Histogram.values(of: tensor, range: low...high, bins: bins, isCancelled: isCancelled)
        .counts.map(Double.init)
    } catch {
      throw .cancelled
    }
  }

  private static func settings(_ group: GroupSetting, _ scale: ScaleMode) -> QuantizationSettings {
    let size: GroupSize
    switch group {
    case .tensor: size = .tensor
    case .channel: size = .channel
    case .size(let count): size = .elements(count)
    }
    return QuantizationSettings(group: size, scale: scale == .mse ? .mse : .absmax, rows: .all)
  }
}
