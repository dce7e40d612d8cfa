import RealModule
import TensorIO

/// Fits Student's t, the normal and the Laplace distribution to one tensor (SPEC §5).
///
/// Tensors up to `sampleLimit` elements are fitted on all their finite elements in memory.
/// Larger ones: the t optimizer runs on a deterministic subsample of `sampleLimit` elements, then
/// one Newton step from the full-data gradient and Hessian (gathered in the same pass that counts,
/// sums and histograms the data) moves it onto the full-data optimum; a second pass evaluates the
/// moved fit and finds the exact median. Reported log-likelihoods are always over all finite
/// elements, the normal and Laplace fits are the exact full-data MLEs, and the t fit is within
/// ~1e-9 nats of the full-data MLE (the subsample optimum alone is within ~1e-5).
public enum TensorFits {
  /// 2¹⁸ elements: the subsample optimum loses about 1.5/2¹⁸ ≈ 6e-6 nats, before the Newton step.
  public static let sampleLimit = 1 << 18
  /// Kolmogorov–Smirnov distances use at most this many (evenly spaced, sorted) finite elements.
  public static let ksLimit = 1 << 16

  public static func fit(_ tensor: Tensor, isCancelled: @Sendable () -> Bool = { false }) throws -> FitReport {
    let info = tensor.info
    guard info.dtype.isAnalysable else {
      return unfitted(tensor, finiteCount: 0, reason: "dtype \(info.dtype) is not analysed")
    }
    if tensor.count <= sampleLimit {
      return try fitInMemory(tensor, isCancelled: isCancelled)
    }
    return try fitStreaming(tensor, isCancelled: isCancelled)
  }

  static func unfitted(_ tensor: Tensor, finiteCount: Int, mean: Double? = nil, std: Double? = nil, reason: String)
    -> FitReport
  {
    FitReport(
      name: tensor.info.name, count: tensor.count, finiteCount: finiteCount, mean: mean, std: std, t: nil,
      normal: nil, laplace: nil, reason: reason, fitElements: 0, ksElements: 0)
  }

  // MARK: - Small tensors: everything in memory

  static func fitInMemory(_ tensor: Tensor, isCancelled: @Sendable () -> Bool) throws -> FitReport {
    let chunks = try ChunkedScan.reduce(
      tensor, isCancelled: isCancelled, makeState: { [Double]() },
      accumulate: { values, chunk, _ in
        for value in chunk where value.isFinite { values.append(Double(value)) }
      })
    let values = chunks.flatMap { $0 }
    let n = Double(values.count)
    guard !values.isEmpty else { return unfitted(tensor, finiteCount: 0, reason: "no finite elements") }
    let mean = values.reduce(0, +) / n
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
    let std = variance.squareRoot()
    guard values.count > 1, std > 0, std.isFinite, mean.isFinite else {
      return unfitted(
        tensor, finiteCount: values.count, mean: mean, std: std,
        reason: values.count == 1 ? "only one finite element: nothing to fit" : "all finite elements are equal")
    }
    let sorted = values.sorted()
    let median = 0.5 * (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2])
    let meanAbsoluteDeviation = values.reduce(0) { $0 + abs($1 - median) } / n
    if isCancelled() { throw CancellationError() }
    let tFit = StudentTFitter.fit(values)
    return assemble(
      tensor, finiteCount: values.count, mean: mean, std: std, median: median,
      meanAbsoluteDeviation: meanAbsoluteDeviation, t: tFit, fitElements: values.count, sortedSample: sorted)
  }

  // MARK: - Large tensors: subsample fit, then two passes over all elements

  static func fitStreaming(_ tensor: Tensor, isCancelled: @Sendable () -> Bool) throws -> FitReport {
    let sample = DeterministicSubsample.draw(from: tensor, limit: sampleLimit)
    let subsampleFit = StudentTFitter.fit(sample)
    let center = sample.isEmpty ? 0 : sample.reduce(0, +) / Double(sample.count)
    let start = subsampleFit?.parameters ?? StudentTParameters(nu: 5, loc: center, scale: 1)
    if isCancelled() { throw CancellationError() }

    let firstParts = try ChunkedScan.reduce(
      tensor, isCancelled: isCancelled, makeState: { FirstPass() },
      accumulate: { state, chunk, _ in state.add(chunk, center: center, parameters: start) })
    var first = firstParts[0]
    for part in firstParts.dropFirst() { first.merge(part) }
    let n = first.finiteCount
    guard n > 0 else { return unfitted(tensor, finiteCount: 0, reason: "no finite elements") }
    let shiftedMean = first.shiftedSum / Double(n)
    let mean = center + shiftedMean
    let std = max(first.shiftedSquares / Double(n) - shiftedMean * shiftedMean, 0).squareRoot()
    guard n > 1, std > 0, std.isFinite, mean.isFinite else {
      return unfitted(
        tensor, finiteCount: n, mean: mean.isFinite ? mean : nil, std: std.isFinite ? std : nil,
        reason: n == 1 ? "only one finite element: nothing to fit" : "all finite elements are equal")
    }

    // One Newton step on the full data from the subsample optimum.
    var polished: StudentTParameters?
    if subsampleFit != nil, let step = StudentTNewton(parameters: start, terms: first.terms).step() {
      polished = StudentTBounds(around: start).move(start, by: step)
    }
    let moved = polished
    let median = MedianFromHistograms(first: first)
    let targets = median.targetBuckets
    let secondParts = try ChunkedScan.reduce(
      tensor, isCancelled: isCancelled, makeState: { SecondPass(buckets: targets) },
      accumulate: { state, chunk, _ in state.add(chunk, parameters: moved) })
    var second = secondParts[0]
    for part in secondParts.dropFirst() { second.merge(part) }
    let (medianValue, meanAbsoluteDeviation) = median.medianAndMeanAbsoluteDeviation(second: second)

    var tFit: (parameters: StudentTParameters, meanLogLikelihood: Double)?
    if subsampleFit != nil {
      let startLogLikelihood = start.meanLogLikelihood(first.terms)
      tFit = (start, startLogLikelihood)
      if let polished {
        let polishedLogLikelihood = polished.meanLogLikelihood(second.terms)
        if polishedLogLikelihood > startLogLikelihood { tFit = (polished, polishedLogLikelihood) }
      }
    }
    let stride = max(1, sample.count / ksLimit)
    let ksSample = Swift.stride(from: 0, to: sample.count, by: stride).map { sample[$0] }.sorted()
    return assemble(
      tensor, finiteCount: n, mean: mean, std: std, median: medianValue,
      meanAbsoluteDeviation: meanAbsoluteDeviation, t: tFit, fitElements: sample.count, sortedSample: ksSample)
  }

  // MARK: - The report

  static func assemble(
    _ tensor: Tensor, finiteCount: Int, mean: Double, std: Double, median: Double, meanAbsoluteDeviation: Double,
    t: (parameters: StudentTParameters, meanLogLikelihood: Double)?, fitElements: Int, sortedSample: [Double]
  ) -> FitReport {
    var reasons: [String] = []
    let stride = max(1, sortedSample.count / ksLimit)
    let ksSample = Swift.stride(from: 0, to: sortedSample.count, by: stride).map { sortedSample[$0] }

    let normalLogLikelihood = -0.5 * Double.log(2 * Double.pi * std * std) - 0.5
    let normal = FamilyFit(
      nu: nil, loc: mean, scale: std, logLikelihood: normalLogLikelihood,
      ks: kolmogorovSmirnovDistance(sorted: ksSample, Normal(loc: mean, scale: std)))

    var laplace: FamilyFit?
    if meanAbsoluteDeviation > 0 && meanAbsoluteDeviation.isFinite && median.isFinite {
      laplace = FamilyFit(
        nu: nil, loc: median, scale: meanAbsoluteDeviation, logLikelihood: -Double.log(2 * meanAbsoluteDeviation) - 1,
        ks: kolmogorovSmirnovDistance(sorted: ksSample, Laplace(loc: median, scale: meanAbsoluteDeviation)))
    } else {
      reasons.append("laplace: every element equals the median (zero mean absolute deviation)")
    }

    var tFamily: FamilyFit?
    if let t, t.meanLogLikelihood.isFinite, t.parameters.nu.isFinite, t.parameters.loc.isFinite,
      t.parameters.scale.isFinite
    {
      let p = t.parameters
      tFamily = FamilyFit(
        nu: p.nu, loc: p.loc, scale: p.scale, logLikelihood: t.meanLogLikelihood,
        ks: kolmogorovSmirnovDistance(sorted: ksSample, StudentT(nu: p.nu, loc: p.loc, scale: p.scale)))
    } else {
      reasons.append("t: needs at least three finite elements with spread")
    }
    return FitReport(
      name: tensor.info.name, count: tensor.count, finiteCount: finiteCount, mean: mean, std: std, t: tFamily,
      normal: normal, laplace: laplace, reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "),
      fitElements: fitElements, ksElements: ksSample.count)
  }
}
