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
    // F16/BF16: one read counting the bit patterns gives the range and the histogram exactly,
    // and later the fit without another read.
    let counts =
      SixteenBitCounts.applies(to: tensor) ? try SixteenBitCounts.count(tensor, isCancelled: isCancelled) : nil
    let patterns = counts.map { PatternCounts(dtype: tensor.info.dtype, counts: $0) }
    let range = try patterns?.range ?? ValueRange.scan(tensor, isCancelled: isCancelled)
    // A hair wider than amax so the largest value falls inside the last bin.
    let edge = range.amax > 0 ? range.amax * (1 + 1e-6) : 1
    let histogram =
      range.finiteCount == 0
      ? Histogram.empty(lower: -edge, upper: edge, bins: LoadedTensor.histogramBins)
      : try patterns?.histogram(range: -edge...edge, bins: LoadedTensor.histogramBins)
        ?? Histogram.values(of: tensor, range: -edge...edge, bins: LoadedTensor.histogramBins, isCancelled: isCancelled)
    let sample = RowSample.tensor(of: tensor, maxElements: LoadedTensor.sampleLimit)
    guard rotation != .none else {
      return LoadedTensor(
        entry: entry, tensor: tensor, range: range, histogram: histogram, sample: sample, patternCounts: counts)
    }
    let unrotatedSample = RowSample.tensor(of: original, maxElements: LoadedTensor.sampleLimit)
    return LoadedTensor(
      entry: entry, tensor: tensor, range: range, histogram: histogram, sample: sample, rotation: rotation,
      unrotated: original, kurtosis: Kurtosis.excess(of: sample),
      unrotatedKurtosis: Kurtosis.excess(of: unrotatedSample))
  }

  /// Fits t, normal and Laplace to the tensor by maximum likelihood (Fits' `TensorFits`: exact on
  /// small tensors and, from `patternCounts` or its own count, on F16/BF16 ones; subsample then
  /// full-data Newton polish on other large ones).
  static func fit(_ tensor: Tensor, patternCounts: [Int]? = nil, isCancelled: @Sendable () -> Bool) throws
    -> FitSummary
  {
    try tensor.checkFileUnchanged()
    return try FitSummary(TensorFits.fit(tensor, patternCounts: patternCounts, isCancelled: isCancelled))
  }

  /// The fit of a loaded tensor; a rotated one also fits the weights before the rotation, for
  /// the header's ν before → after.
  static func fit(_ loaded: LoadedTensor, isCancelled: @Sendable () -> Bool) throws -> FitSummary {
    var summary = try fit(loaded.tensor, patternCounts: loaded.patternCounts, isCancelled: isCancelled)
    if let unrotated = loaded.unrotated {
      summary.unrotatedNu = try? fit(unrotated, isCancelled: isCancelled).nu
    }
    return summary
  }

  /// The format a key runs on `tensor`: `sf4@fit` at the fitted ν, or at the default ν when there
  /// is none (the caller keeps that result only when it is exact, so ν cannot matter); `ID+auto`,
  /// `sf4@auto` and `lloyd` searched on `tensor` by the kernel.
  private static func format(
    _ key: QuantKey, fittedNu: Double?, on tensor: Tensor, importance: ImatrixEntry,
    isCancelled: @Sendable () -> Bool
  ) throws -> QuantFormat {
    let nu = key.format.needsFittedNu ? fittedNu ?? FormatCatalog.defaultNu : nil
    do {
      return try Quantizer.resolve(
        key.format, for: tensor, fittedNu: nu, settings: key.settings, importance: importance,
        isCancelled: isCancelled)
    } catch let error as FormatError {
      throw AnalysisUnavailable(error.description)
    }
  }

  private static func measure(
    _ tensor: Tensor, format: QuantFormat, settings: QuantizationSettings, importance: ImportanceWeights? = nil,
    isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> QuantizationMetrics {
    try measure(tensor, formats: [format], settings: settings, importance: importance, isCancelled: isCancelled)[0]
  }

  /// Several formats in one pass over `tensor` (each equal to its one-format run, bit for bit).
  private static func measure(
    _ tensor: Tensor, formats: [QuantFormat], settings: QuantizationSettings, importance: ImportanceWeights?,
    isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> [QuantizationMetrics] {
    guard !formats.isEmpty else { return [] }
    if let importance {
      return try Quantizer.measure(
        tensor, formats: formats, settings: settings, importance: importance, isCancelled: isCancelled)
    }
    return try Quantizer.measure(tensor, formats: formats, settings: settings, isCancelled: isCancelled)
  }

  /// The importance weights for the row sample: the tensor's when the sample is the whole tensor
  /// or one weight vector serves every row; nil for a sampled expert tensor (its rows' experts are lost).
  private static func sampleImportance(_ tensor: LoadedTensor, _ importance: ImportanceWeights?) -> ImportanceWeights? {
    guard let importance else { return nil }
    if tensor.sampleIsWhole { return importance }
    guard importance.values.count == importance.rowLength else { return nil }
    let rows = max(tensor.sample.count / max(importance.rowLength, 1), 1)
    return ImportanceWeights(
      values: importance.values, rowLength: importance.rowLength, rowsPerExpert: rows,
      unseenExperts: importance.unseenExperts)
  }

  /// The sampled estimate for `key`: metrics and display histograms on the row sample.
  /// `importance` is the imatrix's entry for the tensor (`Scheduler.imatrixEntry`): it weighs the
  /// error and is what `TYPE:imatrix` quantizes with.
  static func estimate(
    _ tensor: LoadedTensor, key: QuantKey, fittedNu: Double?, importance: ImatrixEntry = .noMatrix,
    isCancelled: @Sendable () -> Bool
  ) throws -> QuantResult {
    let format = try format(
      key, fittedNu: fittedNu, on: tensor.sample, importance: importance, isCancelled: isCancelled)
    let sampled = try measure(
      tensor.sample, format: format, settings: key.settings, importance: sampleImportance(tensor, importance.weights),
      isCancelled: isCancelled)
    return try compose(
      sampled, display: display(tensor, key: key, format: format, sampled: sampled, isCancelled: isCancelled),
      isEstimate: !tensor.sampleIsWhole, fittedNu: fittedNu, key: key)
  }

  /// The full result for `key`: metrics over every element; display histograms from the
  /// sample (taken from `estimate` when that was computed already).
  static func full(
    _ tensor: LoadedTensor, key: QuantKey, fittedNu: Double?, reusing estimate: QuantResult?,
    importance: ImatrixEntry = .noMatrix, isCancelled: @Sendable () -> Bool
  ) throws -> QuantResult {
    if tensor.sampleIsWhole {
      return try self.estimate(
        tensor, key: key, fittedNu: fittedNu, importance: importance, isCancelled: isCancelled)
    }
    let shown: QuantResult
    if let estimate {
      shown = estimate
    } else {
      shown = try self.estimate(tensor, key: key, fittedNu: fittedNu, importance: importance, isCancelled: isCancelled)
    }
    let member = QuantizationPass.Member(key: key, fittedNu: fittedNu)
    return try full(tensor, runs: [(member, shown)], importance: importance, isCancelled: isCancelled)[0].get()
  }

  /// The full results of a pass's keys (all with the same settings) on a tensor its sample does
  /// not hold whole, each with the display parts of its estimate: every key's format resolved on
  /// the whole tensor, then one multi-format pass over every element, each key's metrics equal to
  /// its one-format run's bit for bit. A key that cannot run gets why not; the others still run.
  static func full(
    _ tensor: LoadedTensor, runs: [(member: QuantizationPass.Member, estimate: QuantResult)],
    importance: ImatrixEntry = .noMatrix, isCancelled: @Sendable () -> Bool
  ) throws -> [Result<QuantResult, AnalysisUnavailable>] {
    var outcomes: [Result<QuantResult, AnalysisUnavailable>?] = Array(repeating: nil, count: runs.count)
    var runnable: [(position: Int, format: QuantFormat)] = []
    let settings = runs.first?.member.key.settings ?? QuantizationSettings()
    for (position, run) in runs.enumerated() {
      precondition(run.member.key.settings == settings, "a pass runs one setting")
      do {
        let format = try format(
          run.member.key, fittedNu: run.member.fittedNu, on: tensor.tensor, importance: importance,
          isCancelled: isCancelled)
        runnable.append((position, format))
      } catch let error as AnalysisUnavailable {
        outcomes[position] = .failure(error)
      }
    }
    try tensor.tensor.checkFileUnchanged()
    let metrics = try measure(
      tensor.tensor, formats: runnable.map(\.format), settings: settings, importance: importance.weights,
      isCancelled: isCancelled)
    for ((position, _), measured) in zip(runnable, metrics) {
      let (member, shown) = runs[position]
      let display = Display(
        displayScale: shown.displayScale, errorHistogram: shown.errorHistogram,
        dequantizedHistogram: shown.dequantizedHistogram)
      do {
        outcomes[position] = .success(
          try compose(measured, display: display, isEstimate: false, fittedNu: member.fittedNu, key: member.key))
      } catch {
        outcomes[position] = .failure(error)
      }
    }
    return outcomes.map { $0! }
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
    importance: ImatrixEntry = .noMatrix, isCancelled: @Sendable () -> Bool
  ) throws(TensorFileError) -> (nu: Double?, sqnr: Double?) {
    try tensor.checkFileUnchanged()
    let sample = RowSample.tensor(of: tensor, maxElements: sampleLimit)
    // A tensor without a fit (no finite values, all equal) has no meaningful ranking: it sorts last.
    guard let fitted = try? Self.fit(sample, isCancelled: isCancelled) else { return (nil, nil) }
    guard let format,
      let resolved = try? Quantizer.resolve(
        format, for: sample, fittedNu: fitted.nu, settings: settings, importance: importance,
        isCancelled: isCancelled)
    else { return (fitted.nu, nil) }
    let metrics = try? measure(sample, format: resolved, settings: settings, isCancelled: isCancelled)
    return (fitted.nu, metrics?.sqnrDB)
  }

  /// The overview's cells for one tensor: every format in one multi-format pass, on a sample of
  /// about `sampleLimit` elements (an estimate) or, with nil, on every element. `sf4@fit` takes ν
  /// from a quick t fit of the sample for an estimate (`TensorFits.quickNu`: a full fit with its
  /// KS distances would take most of the estimate's time) and from `TensorFits.sampledFit` (what
  /// `report` uses) for the exact value.
  static func overview(
    _ tensor: Tensor, formats: [FormatSpec], settings: QuantizationSettings, sampleLimit: Int?,
    importance: ImatrixEntry = .noMatrix, isCancelled: @Sendable () -> Bool
  ) throws -> [FormatSpec: OverviewCell] {
    try tensor.checkFileUnchanged()
    let sampled = sampleLimit.map { tensor.count > $0 } ?? false
    let target = sampled ? RowSample.tensor(of: tensor, maxElements: sampleLimit!) : tensor
    var nu: Double?
    var noFit = "no t fit"
    if formats.contains(where: \.needsFittedNu) {
      if sampled {
        nu = TensorFits.quickNu(target)
      } else {
        let report = try TensorFits.sampledFit(target, isCancelled: isCancelled)
        nu = report.t?.nu
        if let reason = report.reason { noFit += " (\(reason))" }
      }
    }
    var cells: [FormatSpec: OverviewCell] = [:]
    var runnable: [(spec: FormatSpec, format: QuantFormat)] = []
    for spec in formats {
      do {
        let format = try Quantizer.resolve(
          spec, for: target, fittedNu: nu, settings: settings, importance: importance, isCancelled: isCancelled)
        runnable.append((spec, format))
      } catch is Cancelled {
        throw Cancelled()
      } catch {
        cells[spec] = OverviewCell(sqnrDB: nil, isEstimate: false, reason: spec.needsFittedNu ? noFit : "\(error)")
      }
    }
    let metrics = try Quantizer.measure(
      target, formats: runnable.map(\.format), settings: settings, isCancelled: isCancelled)
    for (run, measured) in zip(runnable, metrics) {
      let reason = measured.sqnrReason
      cells[run.spec] = OverviewCell(sqnrDB: reason == nil ? measured.sqnrDB : nil, isEstimate: sampled, reason: reason)
    }
    return cells
  }
}
