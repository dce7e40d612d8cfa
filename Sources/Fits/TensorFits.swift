import Distributions
import Parallel
import RealModule
import TensorIO

/// Fits Student's t, the normal and the Laplace distribution to one tensor (SPEC §5).
///
/// Tensors up to `sampleLimit` elements are fitted on all their finite elements in memory.
/// Larger ones: the t optimizer runs on a deterministic subsample of `sampleLimit` elements; a
/// first pass over all elements counts, sums, histograms the order keys and gathers Student's t
/// terms at the subsample optimum (with the full-data gradient and Hessian up to `polishLimit`
/// elements, from which one Newton step moves the fit onto the full-data optimum); a second pass
/// finds the exact median and mean absolute deviation and evaluates the moved fit, which is kept
/// only if its likelihood is higher. Larger BF16 and F16 tensors instead take one pass that counts
/// their 16-bit patterns, which gives every statistic and the whole t optimization exactly over all
/// elements (`fitSixteenBit`). Reported log-likelihoods are always over all finite elements;
/// the normal and Laplace fits are the exact full-data MLEs.
public enum TensorFits {
  /// 2¹⁸ elements: the subsample optimum loses about 1.5/2¹⁸ ≈ 6e-6 nats, before the Newton step.
  public static let sampleLimit = 1 << 18
  /// Kolmogorov–Smirnov distances use at most this many (evenly spaced, sorted) finite elements
  /// (except the 16-bit path's, which are exact over all of them).
  public static let ksLimit = 1 << 16
  /// A full-data mean log-likelihood this far below the subsample's (about 10 standard errors of a
  /// 2¹⁸-element mean) means the subsample does not represent the tensor.
  static let unrepresentativeGap = 0.02
  /// Up to this many elements the subsample optimum is moved by one full-data Newton step.
  public static let polishLimit = 1 << 23

  /// The fits of `tensor`. `patternCounts`, when given for an F16/BF16 tensor, are its
  /// `SixteenBitCounts` (the explorer's load counts them): the fit then reads no element again.
  public static func fit(
    _ tensor: Tensor, patternCounts: [Int]? = nil, isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> FitReport {
    let info = tensor.info
    guard info.dtype.isAnalysable else {
      return unfitted(tensor, finiteCount: 0, reason: "dtype \(info.dtype) is not analysed")
    }
    if tensor.count <= sampleLimit {
      return try fitInMemory(tensor, isCancelled: isCancelled)
    }
    if SixteenBitCounts.applies(to: tensor) {
      return try fitSixteenBit(tensor, patternCounts: patternCounts, isCancelled: isCancelled)
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

  static func fitInMemory(_ tensor: Tensor, isCancelled: @Sendable () -> Bool) throws(Cancelled) -> FitReport {
    let chunks = try ChunkedScan.reduce(
      tensor, isCancelled: isCancelled, makeState: { [Double]() },
      accumulate: { values, chunk, _ in
        for value in chunk where value.isFinite { values.append(Double(value)) }
      })
    return try fitValues(chunks.flatMap { $0 }, of: tensor, isCancelled: isCancelled)
  }

  /// All three fits on `values` (the finite elements of `tensor`, or a sample of them).
  static func fitValues(_ values: [Double], of tensor: Tensor, isCancelled: @Sendable () -> Bool) throws(Cancelled)
    -> FitReport
  {
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
    let sorted = RadixSort.ascending(values)
    let median = 0.5 * (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2])
    let meanAbsoluteDeviation = values.reduce(0) { $0 + abs($1 - median) } / n
    if isCancelled() { throw Cancelled() }
    let tFit = StudentTFitter.fit(values)
    return assemble(
      tensor, finiteCount: values.count, mean: mean, std: std, median: median,
      meanAbsoluteDeviation: meanAbsoluteDeviation, t: tFit, fitElements: values.count, sortedSample: sorted)
  }

  // MARK: - Large tensors: subsample fit, then two passes over all elements

  static func fitStreaming(
    _ tensor: Tensor, isCancelled: @Sendable () -> Bool, polishLimit: Int = polishLimit
  ) throws(Cancelled) -> FitReport {
    let sample = DeterministicSubsample.draw(from: tensor, limit: sampleLimit)
    let subsampleFit = StudentTFitter.fit(sample)
    let center = sample.isEmpty ? 0 : sample.reduce(0, +) / Double(sample.count)
    let start = subsampleFit?.parameters ?? StudentTParameters(nu: 5, loc: center, scale: 1)
    if isCancelled() { throw Cancelled() }

    // The Newton step from the subsample optimum needs derivative sums in the first pass and the
    // t terms again in the second; beyond `polishLimit` elements the subsample optimum is reported
    // as it is (about 6e-6 nats below the full-data optimum, well inside the 1e-4 allowed).
    let polish = subsampleFit != nil && tensor.count <= polishLimit
    let firstParts = try ChunkedScan.reduce(
      tensor, isCancelled: isCancelled, makeState: { FirstPass() },
      accumulate: { state, chunk, _ in state.add(chunk, center: center, parameters: start, derivatives: polish) })
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

    var polished: StudentTParameters?
    if polish, let step = StudentTNewton(parameters: start, terms: first.terms).step() {
      polished = StudentTBounds(around: start).move(start, by: step)
    }
    let moved = polished
    let median = MedianFromHistograms(first: first)
    let targets = median.targetBuckets
    let pivot = median.pivot
    let secondParts = try ChunkedScan.reduce(
      tensor, isCancelled: isCancelled, makeState: { SecondPass(buckets: targets, pivot: pivot) },
      accumulate: { state, chunk, _ in state.add(chunk, parameters: moved) })
    var second = secondParts[0]
    for part in secondParts.dropFirst() { second.merge(part) }
    let (medianValue, meanAbsoluteDeviation) = median.medianAndMeanAbsoluteDeviation(second: second)

    var tFit: (parameters: StudentTParameters, meanLogLikelihood: Double)?
    if let subsampleFit {
      let startLogLikelihood = start.meanLogLikelihood(first.terms)
      tFit = (start, startLogLikelihood)
      if let polished {
        let polishedLogLikelihood = polished.meanLogLikelihood(second.terms)
        if polishedLogLikelihood > startLogLikelihood { tFit = (polished, polishedLogLikelihood) }
      }
      // The subsample missed what dominates the full likelihood (a few huge outliers, say): the
      // full-data mean log-likelihood falls far below the subsample's. Then optimize on all
      // elements, one pass per evaluation.
      // (Not when the fit has collapsed onto a point mass: that is reported as degenerate.)
      if let current = tFit, current.meanLogLikelihood < subsampleFit.meanLogLikelihood - unrepresentativeGap,
        current.parameters.scale >= 1e-8 * spreadAwayFromTies(thinnedSorted(sample))
      {
        let full = try StudentTFitter.maximize(from: current.parameters, maximumEvaluations: 40) {
          (parameters) throws(Cancelled) -> StudentTTerms in
          try fullDataTerms(tensor, at: parameters, isCancelled: isCancelled)
        }
        if full.meanLogLikelihood > current.meanLogLikelihood { tFit = full }
      }
    }
    let ksSample = thinnedSorted(sample)
    return assemble(
      tensor, finiteCount: n, mean: mean, std: std, median: medianValue,
      meanAbsoluteDeviation: meanAbsoluteDeviation, t: tFit, fitElements: sample.count, sortedSample: ksSample)
  }

  /// At most `ksLimit` evenly spaced elements of `sample`, sorted.
  static func thinnedSorted(_ sample: [Double]) -> [Double] {
    let stride = max(1, sample.count / ksLimit)
    return RadixSort.ascending(Swift.stride(from: 0, to: sample.count, by: stride).map { sample[$0] })
  }

  /// Student's t sums with derivatives over every finite element of `tensor`: one pass.
  static func fullDataTerms(
    _ tensor: Tensor, at parameters: StudentTParameters, isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> StudentTTerms {
    let parts = try ChunkedScan.reduce(
      tensor, isCancelled: isCancelled, makeState: { (StudentTTerms(), [Double]()) },
      accumulate: { state, chunk, _ in
        state.1.removeAll(keepingCapacity: true)
        for value in chunk where value.isFinite { state.1.append(Double(value)) }
        state.1.withUnsafeBufferPointer { parameters.accumulate($0, into: &state.0, derivatives: true) }
      })
    var terms = StudentTTerms()
    for part in parts { terms.add(part.0) }
    return terms
  }

  // MARK: - The report

  static func assemble(
    _ tensor: Tensor, finiteCount: Int, mean: Double, std: Double, median: Double, meanAbsoluteDeviation: Double,
    t: (parameters: StudentTParameters, meanLogLikelihood: Double)?, fitElements: Int, sortedSample: [Double]
  ) -> FitReport {
    let stride = max(1, sortedSample.count / ksLimit)
    let ksSample = Swift.stride(from: 0, to: sortedSample.count, by: stride).map { sortedSample[$0] }
    return assemble(
      tensor, finiteCount: finiteCount, mean: mean, std: std, median: median,
      meanAbsoluteDeviation: meanAbsoluteDeviation, t: t, fitElements: fitElements, ksElements: ksSample.count,
      spreadAwayFromTies: spreadAwayFromTies(ksSample), ks: { kolmogorovSmirnovDistance(sorted: ksSample, $0) })
  }

  /// The report, with `ks` giving the Kolmogorov–Smirnov distance of a fitted distribution to the
  /// `ksElements` elements it is measured on, and `spreadAwayFromTies` (see below) telling a t fit
  /// that collapsed onto a point mass.
  static func assemble(
    _ tensor: Tensor, finiteCount: Int, mean: Double, std: Double, median: Double, meanAbsoluteDeviation: Double,
    t: (parameters: StudentTParameters, meanLogLikelihood: Double)?, fitElements: Int, ksElements: Int,
    spreadAwayFromTies spread: Double, ks: (any ContinuousDistribution) -> Double
  ) -> FitReport {
    var reasons: [String] = []
    let normalLogLikelihood = -0.5 * Double.log(2 * Double.pi * std * std) - 0.5
    let normal = FamilyFit(
      nu: nil, loc: mean, scale: std, logLikelihood: normalLogLikelihood, ks: ks(Normal(loc: mean, scale: std)))

    var laplace: FamilyFit?
    if meanAbsoluteDeviation > 0 && meanAbsoluteDeviation.isFinite && median.isFinite {
      laplace = FamilyFit(
        nu: nil, loc: median, scale: meanAbsoluteDeviation, logLikelihood: -Double.log(2 * meanAbsoluteDeviation) - 1,
        ks: ks(Laplace(loc: median, scale: meanAbsoluteDeviation)))
    } else {
      reasons.append("laplace: every element equals the median (zero mean absolute deviation)")
    }

    var tFamily: FamilyFit?
    if let t, t.parameters.scale < 1e-8 * spread {
      reasons.append(
        "t: degenerate (many elements share one value, so the likelihood grows without bound as the scale shrinks)")
    } else if let t, t.meanLogLikelihood.isFinite, t.parameters.nu.isFinite, t.parameters.loc.isFinite,
      t.parameters.scale.isFinite
    {
      let p = t.parameters
      tFamily = FamilyFit(
        nu: p.nu, loc: p.loc, scale: p.scale, logLikelihood: t.meanLogLikelihood,
        ks: ks(StudentT(nu: p.nu, loc: p.loc, scale: p.scale)))
    } else {
      reasons.append("t: needs at least three finite elements with spread")
    }
    return FitReport(
      name: tensor.info.name, count: tensor.count, finiteCount: finiteCount, mean: mean, std: std, t: tFamily,
      normal: normal, laplace: laplace, reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "),
      fitElements: fitElements, ksElements: ksElements)
  }

  /// The median of |x − m| over the elements not equal to the median m: a spread that repeated
  /// values (zeros of a pruned tensor) cannot shrink to zero. A genuine t fit has a scale of at
  /// least this over t₀.₇₅(ν), which is 1.2e5 at ν = 0.05; a fit far below that has collapsed onto
  /// a point mass.
  static func spreadAwayFromTies(_ sorted: [Double]) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let median = sorted[sorted.count / 2]
    let deviations = RadixSort.ascending(sorted.filter { $0 != median }.map { abs($0 - median) })
    return deviations.isEmpty ? 0 : deviations[deviations.count / 2]
  }
}
