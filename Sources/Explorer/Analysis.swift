import Fits
import Formats
import Kernels
import Parallel
import TensorIO

/// Why an analysis step has no result (a cancelled step throws Parallel's `Cancelled` instead).
public struct AnalysisUnavailable: Error, Sendable, Equatable {
  public let reason: String
  public init(_ reason: String) { self.reason = reason }
}

/// The live path's computations, each a few calls into Kernels and Fits: what one effect
/// does, start to end.
enum Analysis {
  /// A tensor's range, its fine histogram and its row sample (all computed by Kernels).
  static func load(
    _ original: Tensor, entry: TensorEntry, rotation: Rotation = .none, isCancelled: @Sendable () -> Bool
  ) throws -> LoadedTensor {
    try original.checkFileUnchanged()
    let tensor: Tensor
    do {
      tensor = try rotation.apply(to: original)
    } catch {
      throw AnalysisUnavailable(error.description)
    }
    let range = try ValueRange.scan(tensor, isCancelled: isCancelled)
    // A hair wider than amax so the largest value falls inside the last bin.
    let edge = range.amax > 0 ? range.amax * (1 + 1e-6) : 1
    let histogram =
      range.finiteCount > 0
      ? try Histogram.values(
        of: tensor, range: -edge...edge, bins: LoadedTensor.histogramBins, isCancelled: isCancelled)
      : Histogram.empty(lower: -edge, upper: edge, bins: LoadedTensor.histogramBins)
    let sample = RowSample.tensor(of: tensor, maxElements: LoadedTensor.sampleLimit)
    guard rotation != .none else {
      return LoadedTensor(entry: entry, tensor: tensor, range: range, histogram: histogram, sample: sample)
    }
    let unrotatedSample = RowSample.tensor(of: original, maxElements: LoadedTensor.sampleLimit)
    return LoadedTensor(
      entry: entry, tensor: tensor, range: range, histogram: histogram, sample: sample, rotation: rotation,
      unrotated: original, kurtosis: Kurtosis.excess(of: sample),
      unrotatedKurtosis: Kurtosis.excess(of: unrotatedSample))
  }

  /// Fits t, normal and Laplace to the tensor by maximum likelihood (Fits' `TensorFits`:
  /// exact on small tensors, subsample then full-data Newton polish on large ones).
  static func fit(_ tensor: Tensor, isCancelled: @Sendable () -> Bool) throws -> FitSummary {
    try tensor.checkFileUnchanged()
    return try FitSummary(TensorFits.fit(tensor, isCancelled: isCancelled))
  }

  /// The fit of a loaded tensor; a rotated one also fits the weights before the rotation, for
  /// the header's ν before → after.
  static func fit(_ loaded: LoadedTensor, isCancelled: @Sendable () -> Bool) throws -> FitSummary {
    var summary = try fit(loaded.tensor, isCancelled: isCancelled)
    if let unrotated = loaded.unrotated {
      summary.unrotatedNu = try? fit(unrotated, isCancelled: isCancelled).nu
    }
    return summary
  }

  /// The format a key runs on `tensor`: `sf4@fit` at the fitted ν, or at the default ν when there
  /// is none (the caller keeps that result only when it is exact, so ν cannot matter); `ID+auto`,
  /// `sf4@auto` and `lloyd` searched on `tensor` by the kernel.
  private static func format(
    _ key: QuantKey, fittedNu: Double?, on tensor: Tensor, isCancelled: @Sendable () -> Bool
  ) throws -> QuantFormat {
    let nu = key.format.needsFittedNu ? fittedNu ?? FormatCatalog.defaultNu : nil
    do {
      return try Quantizer.resolve(
        key.format, for: tensor, fittedNu: nu, settings: key.settings, isCancelled: isCancelled)
    } catch let error as FormatError {
      throw AnalysisUnavailable(error.description)
    }
  }

  private static func measure(
    _ tensor: Tensor, format: QuantFormat, settings: QuantizationSettings, isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> QuantizationMetrics {
    try Quantizer.measure(tensor, format: format, settings: settings, isCancelled: isCancelled)
  }

  /// The sampled estimate for `key`: metrics and display histograms on the row sample.
  static func estimate(
    _ tensor: LoadedTensor, key: QuantKey, fittedNu: Double?, isCancelled: @Sendable () -> Bool
  ) throws -> QuantResult {
    let format = try format(key, fittedNu: fittedNu, on: tensor.sample, isCancelled: isCancelled)
    let sampled = try measure(tensor.sample, format: format, settings: key.settings, isCancelled: isCancelled)
    return try compose(
      sampled, display: display(tensor, key: key, format: format, sampled: sampled, isCancelled: isCancelled),
      isEstimate: !tensor.sampleIsWhole, fittedNu: fittedNu, key: key)
  }

  /// The full result for `key`: metrics over every element; display histograms from the
  /// sample (taken from `estimate` when that was computed already).
  static func full(
    _ tensor: LoadedTensor, key: QuantKey, fittedNu: Double?, reusing estimate: QuantResult?,
    isCancelled: @Sendable () -> Bool
  ) throws -> QuantResult {
    if tensor.sampleIsWhole { return try self.estimate(tensor, key: key, fittedNu: fittedNu, isCancelled: isCancelled) }
    let shown: QuantResult
    if let estimate {
      shown = estimate
    } else {
      shown = try self.estimate(tensor, key: key, fittedNu: fittedNu, isCancelled: isCancelled)
    }
    let format = try format(key, fittedNu: fittedNu, on: tensor.tensor, isCancelled: isCancelled)
    try tensor.tensor.checkFileUnchanged()
    let measured = try measure(tensor.tensor, format: format, settings: key.settings, isCancelled: isCancelled)
    let display = Display(
      displayScale: shown.displayScale, errorHistogram: shown.errorHistogram,
      dequantizedHistogram: shown.dequantizedHistogram)
    return try compose(measured, display: display, isEstimate: false, fittedNu: fittedNu, key: key)
  }

  private struct Display {
    var displayScale: Double?
    var errorHistogram: Histogram
    var dequantizedHistogram: Histogram
  }

  /// The display parts from the sample; `sampled` are the metrics on that same sample.
  private static func display(
    _ tensor: LoadedTensor, key: QuantKey, format: QuantFormat, sampled: QuantizationMetrics,
    isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> Display {
    let errorEdge = (sampled.maxAbsError > 0 ? sampled.maxAbsError : 1) * (1 + 1e-6)
    let edge = tensor.histogram.upper
    let histograms = try Histogram.quantized(
      of: tensor.sample, format: format, settings: key.settings, dequantizedRange: -edge...edge,
      dequantizedBins: 1024, errorRange: -errorEdge...errorEdge, errorBins: 512, isCancelled: isCancelled)
    // The group a typical code lands in: the format's own block (MXFP4, NVFP4) or the setting.
    let group = format.blockSize.map { GroupSize.elements($0) } ?? key.settings.group
    let typicalAmax = group == .tensor ? tensor.range.amax : GroupScale.medianAmax(of: tensor.sample, group: group)
    return Display(
      displayScale: format.hasFixedValuePositions ? typicalAmax / format.fullScale : nil,
      errorHistogram: histograms.error, dequantizedHistogram: histograms.dequantized)
  }

  /// The result; for a format that needs ν run without one, only when exact (else why not).
  private static func compose(
    _ metrics: QuantizationMetrics, display: Display, isEstimate: Bool, fittedNu: Double?, key: QuantKey
  ) throws(AnalysisUnavailable) -> QuantResult {
    let withoutNu = key.format.needsFittedNu && fittedNu == nil
    if withoutNu && metrics.mse > 0 {
      throw AnalysisUnavailable("no fitted ν, and the error depends on ν")
    }
    return QuantResult(
      metrics: metrics, displayScale: display.displayScale, errorHistogram: display.errorHistogram,
      dequantizedHistogram: display.dequantizedHistogram, isEstimate: isEstimate, isNuIndependent: withoutNu,
      milliseconds: 0)
  }

  /// What the survey measures on one tensor: a fit (nil when impossible) and, when `format`
  /// is given, its SQNR on the same small row sample.
  static func survey(
    _ tensor: Tensor, format: FormatSpec?, settings: QuantizationSettings, sampleLimit: Int,
    isCancelled: @Sendable () -> Bool
  ) throws(TensorFileError) -> (nu: Double?, sqnr: Double?) {
    try tensor.checkFileUnchanged()
    let sample = RowSample.tensor(of: tensor, maxElements: sampleLimit)
    // A tensor without a fit (no finite values, all equal) has no meaningful ranking: it sorts last.
    guard let fitted = try? Self.fit(sample, isCancelled: isCancelled) else { return (nil, nil) }
    guard let format,
      let resolved = try? Quantizer.resolve(
        format, for: sample, fittedNu: fitted.nu, settings: settings, isCancelled: isCancelled)
    else { return (fitted.nu, nil) }
    let metrics = try? measure(sample, format: resolved, settings: settings, isCancelled: isCancelled)
    return (fitted.nu, metrics?.sqnrDB)
  }
}
