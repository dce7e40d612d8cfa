import Distributions
import RealModule

extension StudentTParameters {
  /// Adds the terms of every element of `data`: each distinct value once, weighted by its count
  /// (one `log` per distinct value, so at most 65,536 for a 16-bit tensor of any size).
  func accumulate(_ data: DistinctValues, into terms: inout StudentTTerms, derivatives: Bool) {
    let inverseScale = 1 / scale
    let inverseNu = 1 / nu
    var sumLog = 0.0
    var sumQ = 0.0
    var sumQSquared = 0.0
    var sumZQ = 0.0
    var sumZQSquared = 0.0
    for index in data.values.indices {
      let weight = data.counts[index]
      let z = (data.values[index] - loc) * inverseScale
      let r = z * z * inverseNu
      sumLog += weight * Double.log(onePlus: r)
      if derivatives {
        let q = 1 / (1 + r)
        let zq = z * q
        sumQ += weight * q
        sumQSquared += weight * q * q
        sumZQ += weight * zq
        sumZQSquared += weight * zq * q
      }
    }
    terms.count += data.total
    terms.sumLog += sumLog
    terms.sumQ += sumQ
    terms.sumQSquared += sumQSquared
    terms.sumZQ += sumZQ
    terms.sumZQSquared += sumZQSquared
  }
}

extension StudentTFitter {
  /// The fit over every element of `data` (distinct values with counts) and its mean
  /// log-likelihood: the same start (median, MAD, ν grid with EM steps, here over all elements)
  /// and the same damped Newton as `fit(_:)`, each evaluation one weighted sum over the distinct
  /// values. Nil with fewer than three elements or no spread.
  static func fit(_ data: DistinctValues) -> (parameters: StudentTParameters, meanLogLikelihood: Double)? {
    guard data.total >= 3, data.values.count >= 2, let start = initialGuess(data) else { return nil }
    return maximize(from: start) { parameters in
      var terms = StudentTTerms()
      parameters.accumulate(data, into: &terms, derivatives: true)
      return terms
    }
  }

  static func initialGuess(_ data: DistinctValues) -> StudentTParameters? {
    // The middle element (rank total/2), as `initialGuess(_:)` takes it from its sorted sample.
    let median = data.value(atRank: data.total / 2)
    let deviations = DistinctValues(
      sortedPairs: data.values.indices.map { (abs(data.values[$0] - median), data.counts[$0]) }.sorted { $0.0 < $1.0 })
    var spread = deviations.value(atRank: deviations.total / 2)
    if !(spread > 0) {
      // More than half the elements are equal: fall back to the mean absolute deviation.
      spread = data.meanAbsoluteDeviation(from: median)
    }
    guard spread > 0, spread.isFinite else { return nil }
    var best: (StudentTParameters, Double)?
    for nu in [0.3, 1, 2, 3, 5, 8, 15, 30, 100] {
      // The median absolute deviation of a t with unit scale is its 75% quantile.
      var parameters = StudentTParameters(nu: nu, loc: median, scale: spread / StudentT(nu: nu).quantile(0.75))
      for _ in 0..<8 { parameters = expectationMaximizationStep(data, parameters) }
      var terms = StudentTTerms()
      parameters.accumulate(data, into: &terms, derivatives: false)
      let logLikelihood = parameters.meanLogLikelihood(terms)
      if logLikelihood.isFinite, best == nil || logLikelihood > best!.1 { best = (parameters, logLikelihood) }
    }
    return best?.0
  }

  /// `expectationMaximizationStep(_:_:)` with each distinct value weighted by its count.
  static func expectationMaximizationStep(_ data: DistinctValues, _ parameters: StudentTParameters)
    -> StudentTParameters
  {
    let nu = parameters.nu
    var weightSum = 0.0
    var weightedSum = 0.0
    var weightedSquares = 0.0
    for index in data.values.indices {
      let x = data.values[index]
      let d = x - parameters.loc
      let z = d / parameters.scale
      let weight = data.counts[index] * (nu + 1) / (nu + z * z)
      weightSum += weight
      weightedSum += weight * x
      weightedSquares += weight * d * d
    }
    return maximizationStep(
      parameters, weightSum: weightSum, weightedSum: weightedSum, weightedSquares: weightedSquares,
      count: Double(data.total))
  }
}
