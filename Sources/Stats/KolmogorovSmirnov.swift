/// The Kolmogorov–Smirnov distance sup |Fₙ(x) − F(x)| between the empirical distribution of
/// `sorted` (ascending, finite) and `distribution`.
public func kolmogorovSmirnovDistance(sorted: [Double], _ distribution: some ContinuousDistribution) -> Double {
  let n = Double(sorted.count)
  guard n > 0 else { return .nan }
  var distance = 0.0
  var index = 0
  while index < sorted.count {
    // Ties: the empirical cdf jumps once over the whole run of equal values.
    var end = index + 1
    while end < sorted.count && sorted[end] == sorted[index] { end += 1 }
    let model = distribution.cdf(sorted[index])
    distance = max(distance, model - Double(index) / n, Double(end) / n - model)
    index = end
  }
  return distance
}
