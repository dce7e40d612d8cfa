import Distributions
import RealModule

/// Maximum-likelihood fit of Student's t (ν, loc, scale) to values held in memory.
///
/// Start: loc and scale from the median and the median absolute deviation, then, for each ν of a
/// coarse grid, a few EM steps for (loc, scale) at fixed ν on a small part of the sample, keeping
/// the ν with the highest likelihood. Then damped Newton steps on the whole sample in
/// (ln ν, loc, ln scale) with the exact Hessian and a backtracking line search, until the mean
/// log-likelihood stops rising (1e-13 nats). ν is kept in [0.05, 1e7]: at 1e7 the t is the normal
/// to within 1e-7 nats, and a likelihood still rising there means ν = ∞.
public enum StudentTFitter {
  public static let nuRange: ClosedRange<Double> = StudentT.leastNu...1e7

  /// The fit and its mean log-likelihood on `sample`, or nil when `sample` has fewer than three
  /// values or no spread.
  public static func fit(_ sample: [Double]) -> (parameters: StudentTParameters, meanLogLikelihood: Double)? {
    guard sample.count >= 3, let start = initialGuess(sample) else { return nil }
    return maximize(from: start, sample: sample)
  }

  /// The sums of `StudentTTerms` for `sample` at `parameters`.
  static func terms(_ sample: [Double], at parameters: StudentTParameters, derivatives: Bool = true) -> StudentTTerms {
    var terms = StudentTTerms()
    sample.withUnsafeBufferPointer { parameters.accumulate($0, into: &terms, derivatives: derivatives) }
    return terms
  }

  static func initialGuess(_ sample: [Double]) -> StudentTParameters? {
    let stride = max(1, sample.count / 16_384)
    let part = Swift.stride(from: 0, to: sample.count, by: stride).map { sample[$0] }
    let sorted = part.sorted()
    let median = sorted[sorted.count / 2]
    let deviations = sorted.map { abs($0 - median) }.sorted()
    var spread = deviations[deviations.count / 2]
    if !(spread > 0) {
      // More than half the values are equal: fall back to the mean absolute deviation.
      spread = deviations.reduce(0, +) / Double(deviations.count)
    }
    guard spread > 0, spread.isFinite else { return nil }
    var best: (StudentTParameters, Double)?
    for nu in [0.3, 1, 2, 3, 5, 8, 15, 30, 100] {
      // The median absolute deviation of a t with unit scale is its 75% quantile.
      var parameters = StudentTParameters(nu: nu, loc: median, scale: spread / StudentT(nu: nu).quantile(0.75))
      for _ in 0..<8 { parameters = expectationMaximizationStep(part, parameters) }
      let logLikelihood = parameters.meanLogLikelihood(terms(part, at: parameters, derivatives: false))
      if logLikelihood.isFinite, best == nil || logLikelihood > best!.1 { best = (parameters, logLikelihood) }
    }
    return best?.0
  }

  /// One EM step for loc and scale at fixed ν: weights (ν+1)/(ν+z²), then weighted mean and scale.
  static func expectationMaximizationStep(_ sample: [Double], _ parameters: StudentTParameters) -> StudentTParameters {
    let nu = parameters.nu
    var weightSum = 0.0
    var weightedSum = 0.0
    var weightedSquares = 0.0
    for x in sample {
      let z = (x - parameters.loc) / parameters.scale
      let weight = (nu + 1) / (nu + z * z)
      weightSum += weight
      weightedSum += weight * x
      let d = x - parameters.loc
      weightedSquares += weight * d * d
    }
    return maximizationStep(
      parameters, weightSum: weightSum, weightedSum: weightedSum, weightedSquares: weightedSquares,
      count: Double(sample.count))
  }

  /// The M step from an E step's sums (W = Σw, Σwx and Σw(x − old loc)² over `count` elements):
  /// loc = Σwx / W and scale² = Σw(x − loc)² / count, where Σw(x − loc)² = Σw(x − old)² − W(loc − old)².
  /// Keeps `parameters` when the step leaves the valid range.
  static func maximizationStep(
    _ parameters: StudentTParameters, weightSum: Double, weightedSum: Double, weightedSquares: Double, count: Double
  ) -> StudentTParameters {
    let loc = weightedSum / weightSum
    let shift = loc - parameters.loc
    let variance = max(weightedSquares - weightSum * shift * shift, 0) / count
    let scale = variance.squareRoot()
    guard scale > 0, scale.isFinite, loc.isFinite else { return parameters }
    return StudentTParameters(nu: parameters.nu, loc: loc, scale: scale)
  }

  static func maximize(from start: StudentTParameters, sample: [Double])
    -> (parameters: StudentTParameters, meanLogLikelihood: Double)
  {
    maximize(from: start) { terms(sample, at: $0) }
  }

  /// Damped Newton from `start`, with `evaluate` giving the sums at a point (over a sample in
  /// memory, or over a whole tensor, one pass per call).
  static func maximize<Failure: Error>(
    from start: StudentTParameters, maximumEvaluations: Int = 300,
    evaluate: (StudentTParameters) throws(Failure) -> StudentTTerms
  ) throws(Failure) -> (parameters: StudentTParameters, meanLogLikelihood: Double) {
    var evaluations = 1
    let bounds = StudentTBounds(around: start)
    var current = start
    var currentTerms = try evaluate(current)
    var currentLogLikelihood = current.meanLogLikelihood(currentTerms)
    while evaluations < maximumEvaluations {
      let newton = StudentTNewton(parameters: current, terms: currentTerms)
      guard let direction = newton.step() else { break }
      var fraction = 1.0
      var accepted = false
      for _ in 0..<50 where evaluations < maximumEvaluations {
        evaluations += 1
        let candidate = bounds.move(current, by: fraction * direction)
        let candidateTerms = try evaluate(candidate)
        let candidateLogLikelihood = candidate.meanLogLikelihood(candidateTerms)
        if candidateLogLikelihood >= currentLogLikelihood {
          let gain = candidateLogLikelihood - currentLogLikelihood
          current = candidate
          currentTerms = candidateTerms
          currentLogLikelihood = candidateLogLikelihood
          accepted = gain > 1e-13
          break
        }
        fraction *= 0.5
      }
      if !accepted { break }
    }
    return (current, currentLogLikelihood)
  }
}

/// Where the optimizer may go: ν in `StudentTFitter.nuRange`, scale within 10⁹ of the start.
struct StudentTBounds: Sendable {
  let logNu: ClosedRange<Double>
  let logScale: ClosedRange<Double>

  init(around start: StudentTParameters) {
    logNu = Double.log(StudentTFitter.nuRange.lowerBound)...Double.log(StudentTFitter.nuRange.upperBound)
    let logStart = Double.log(start.scale)
    logScale = (logStart - 20.7)...(logStart + 20.7)
  }

  /// `parameters` moved by `step` in (ln ν, loc, ln scale), clamped to the bounds.
  func move(_ parameters: StudentTParameters, by step: SIMD3<Double>) -> StudentTParameters {
    let logNuValue = min(max(Double.log(parameters.nu) + step[0], logNu.lowerBound), logNu.upperBound)
    let logScaleValue = min(max(Double.log(parameters.scale) + step[2], logScale.lowerBound), logScale.upperBound)
    return StudentTParameters(
      nu: Double.exp(logNuValue), loc: parameters.loc + step[1], scale: Double.exp(logScaleValue))
  }
}
