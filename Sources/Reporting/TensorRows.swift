import Fits
import Formats
import Kernels
import Parallel
import TensorIO

/// The one rule by which `quant` and `report` turn a tensor into rows: every format on the tensor,
/// with the tensor's fit where it is made, the effective group and scale, and a reason for every
/// missing number.
public struct TensorRows: Sendable {
  public let formats: [FormatSpec]
  public let settings: QuantizationSettings
  /// Fit large tensors on all elements (`TensorFits.fit`) instead of their deterministic subsample
  /// (`TensorFits.sampledFit`, the default; the same fit up to 1M elements). `sf4@fit` takes its ν
  /// from this fit in `quant` and `report` alike.
  public let exactFits: Bool
  /// Fit every tensor (the report's fit columns), or only when a format needs the fitted ν (`quant`).
  public let fitsEveryTensor: Bool
  /// The width of a codebook format's group scale in the `bpw` column (`--scale-bits`).
  public let scaleBits: Int
  /// With an importance matrix, every row also gets `imatrix_sqnr_db` (`TensorRows+Extras`).
  public var importance: ImportanceMatrix?
  /// With activation samples, every row of a 2-D weight also gets its output error (`TensorRows+Extras`).
  public var activations: ActivationFile?

  public init(
    formats: [FormatSpec], settings: QuantizationSettings, exactFits: Bool, fitsEveryTensor: Bool,
    scaleBits: Int = BitsPerWeight.defaultScaleBits
  ) {
    self.formats = formats
    self.settings = settings
    self.exactFits = exactFits
    self.fitsEveryTensor = fitsEveryTensor
    self.scaleBits = scaleBits
  }

  /// What `Quantizer.resolve` quantizes `TYPE:imatrix` with: the tensor's entry (`weights`, nil
  /// for none) when an imatrix was given.
  func imatrixEntry(_ weights: ImportanceWeights?) -> ImatrixEntry {
    ImatrixEntry(matrixGiven: importance != nil, weights: weights)
  }

  /// One row per format, without the optional metrics. A tensor whose dtype is not analysed
  /// gets rows without numbers. With `weights`, every measurement also weighs its error.
  func metricRows(for tensor: Tensor, weights: ImportanceWeights?) throws -> [ReportRow] {
    if let reason = tensor.info.dtype.unanalysableReason {
      return formats.map { row(tensor, spec: $0, metrics: nil, fit: nil, reason: reason) }
    }
    let needsNu = formats.contains(where: \.needsFittedNu)
    // The fit runs on its own thread beside the kernel passes: a sampled fit is serial work that
    // would otherwise leave a core idle. Only `sf4@fit` waits for it.
    let exactFits = exactFits
    let pendingFit =
      fitsEveryTensor || needsNu
      ? BackgroundResult { try exactFits ? TensorFits.fit(tensor) : TensorFits.sampledFit(tensor) } : nil
    var metrics: [QuantizationMetrics?] = Array(repeating: nil, count: formats.count)
    var reasons: [String?] = Array(repeating: nil, count: formats.count)
    // Every format that needs no fitted ν in one pass over the tensor (`ID+auto` searched first),
    // but a type ggml makes only with an imatrix on a tensor the imatrix has no entry for.
    var direct: [Int] = []
    var resolved: [QuantFormat] = []
    for position in formats.indices where !formats[position].needsFittedNu {
      do {
        resolved.append(
          try Quantizer.resolve(formats[position], for: tensor, settings: settings, importance: imatrixEntry(weights)))
        direct.append(position)
      } catch let error as FormatError {
        guard case .noImportanceEntry = error else { throw error }
        reasons[position] = error.description
      }
    }
    let results =
      try weights.map { try Quantizer.measure(tensor, formats: resolved, settings: settings, importance: $0) }
      ?? Quantizer.measure(tensor, formats: resolved, settings: settings)
    for (position, result) in zip(direct, results) {
      metrics[position] = result
    }
    let fit = try pendingFit?.value()
    var names: [String?] = metrics.map { $0?.format.name }
    for (position, spec) in formats.enumerated() where spec.needsFittedNu {
      let noFit = "no t fit (\(fit?.reason ?? "not fitted"))"
      if let nu = fit?.t?.nu {
        metrics[position] =
          try weights.map {
            try Quantizer.measure(tensor, spec: spec, fittedNu: nu, settings: settings, importance: $0)
          }
          ?? Quantizer.measure(tensor, spec: spec, fittedNu: nu, settings: settings)
        // At the fitter's bound the data are normal; the bound itself (`ν=1e+07`) says nothing more.
        let atBound = nu >= StudentTFitter.nuRange.upperBound
        let bound = NumberText.powerOfTen(StudentTFitter.nuRange.upperBound)
        names[position] = atBound ? "\(spec.id) (ν≥\(bound), normal)" : metrics[position]?.format.name
      } else if let exact = try Self.resultWithoutNu(tensor, spec: spec, settings: settings) {
        metrics[position] = exact
        names[position] = spec.id + " (any ν)"
        reasons[position] = exact.finiteCount > 0 ? "\(noFit): the result is the same for every ν" : noFit
      } else {
        reasons[position] = "\(noFit): the result depends on ν"
      }
    }
    let rows = formats.indices.map { position in
      row(
        tensor, spec: formats[position], metrics: metrics[position], fit: fit, reason: reasons[position],
        formatName: names[position])
    }
    return Self.withOptimalityGaps(rows, formats: formats)
  }

  /// Sets every row's `opt_gap_db` (`lloyd`'s SQNR minus the row's) when `lloyd` is among the
  /// formats and has an SQNR.
  static func withOptimalityGaps(_ rows: [ReportRow], formats: [FormatSpec]) -> [ReportRow] {
    guard let reference = formats.firstIndex(where: { $0.kind == .lloyd(levels: 16) }),
      let optimal = rows[reference].sqnrDB
    else { return rows }
    return rows.map { row in
      var row = row
      row.optGapDB = row.sqnrDB.map { optimal - $0 }
      return row
    }
  }

  /// `sf4@fit`'s result where it does not depend on ν: every element exact on 0 or on ±1 (the
  /// codebook's ends, the same for every ν), as for an all-zero, a constant or a ±1 tensor. Nil
  /// when the result would depend on the ν no fit gave.
  static func resultWithoutNu(_ tensor: Tensor, spec: FormatSpec, settings: QuantizationSettings) throws
    -> QuantizationMetrics?
  {
    let metrics = try Quantizer.measure(tensor, spec: spec, fittedNu: FormatCatalog.defaultNu, settings: settings)
    let values = metrics.format.values
    guard metrics.mse == 0, metrics.maxAbsError == 0, let top = values.last, let bottom = values.first else {
      return nil
    }
    // SF4's ends are −1 and 1 for every ν; SF3's negative end moves with ν.
    let everyNu: Set<Double> = bottom == -top ? [0, top, bottom] : [0, top]
    let used = zip(values, metrics.codeUsage).filter { $0.1 > 0 }.map(\.0)
    return used.allSatisfy(everyNu.contains) ? metrics : nil
  }

  func row(
    _ tensor: Tensor, spec: FormatSpec, metrics: QuantizationMetrics?, fit: FitReport?, reason: String?,
    formatName: String? = nil
  ) -> ReportRow {
    let effective = metrics.map { QuantizationSettings(group: $0.group, scale: $0.scaleMode) } ?? settings(for: spec)
    var reasons = [reason].compactMap { $0 }
    // No finite element: no metric means anything (the kernel's zeros are not results).
    let measured = metrics.flatMap { $0.finiteCount > 0 ? $0 : nil }
    if let why = metrics?.sqnrReason { reasons.append(why) }
    if let fitReason = fit?.reason, reason == nil { reasons.append("fit: \(fitReason)") }
    // What the format chose: from the format as run, or for a fixed one as named.
    var codebook: Codebook?
    if case .codebook(let run) = metrics?.format { codebook = run }
    if metrics == nil, case .fixed(.codebook(let named)) = spec.kind { codebook = named }
    let bitsPerWeight = BitsPerWeight.of(
      metrics?.format ?? spec.storedFormat, group: effective.group, shape: tensor.info.shape, scaleBits: scaleBits)
    var result = ReportRow(
      name: tensor.info.name, format: spec.id, group: effective.group.description,
      scaleMode: effective.scale.rawValue, count: tensor.count, nu: fit?.t?.nu, tScale: fit?.t?.scale,
      normalStd: fit?.normal?.scale, bestFit: fit?.best?.rawValue, mse: measured?.mse, sqnrDB: measured?.sqnrDB,
      maxAbsError: measured?.maxAbsError, relativeL2: measured?.relativeL2,
      reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "), codeUsage: metrics?.codeUsage,
      formatName: formatName, clipRatio: metrics?.clipRatio, supernormalValue: codebook?.supernormalValue,
      formatNu: codebook?.nu, bitsPerWeight: bitsPerWeight, layerType: LayerType(tensorName: tensor.info.name).rawValue)
    result.imatrixSQNRDB = measured?.importanceSQNRDB.finiteOrNil
    return result
  }

  /// The settings `spec` runs with, before it is run (block formats use their own).
  func settings(for spec: FormatSpec) -> QuantizationSettings {
    switch spec.kind {
    case .fixed, .ggmlWithImportance: settings.effective(for: spec.storedFormat)  // a block format's own group
    default: settings
    }
  }
}
