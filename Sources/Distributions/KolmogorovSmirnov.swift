/// The Kolmogorov–Smirnov distance sup |Fₙ(x) − F(x)| between the empirical distribution of
/// `sorted` (ascending, finite) and `distribution`.
public func kolmogorovSmirnovDistance(sorted: [Double], _ distribution: some ContinuousDistribution) -> Double {
  let n = Double(sorted.count)
  guard n > 0 else { return .nan }
  let model = CDFAlongSorted(sorted: sorted, distribution: distribution).values
  var distance = 0.0
  var index = 0
  while index < sorted.count {
    // Ties: the empirical cdf jumps once over the whole run of equal values.
    var end = index + 1
    while end < sorted.count && sorted[end] == sorted[index] { end += 1 }
    distance = max(distance, model[index] - Double(index) / n, Double(end) / n - model[index])
    index = end
  }
  return distance
}

/// F at every point of a sorted sample, with few exact evaluations: exact F and density at every
/// `knotSpacing`-th point, cubic Hermite interpolation between them (F' = density, so the error
/// is O(h⁴)). Each segment is checked at its midpoint against the exact F; a segment whose
/// interpolation is off by more than 1e-10 there is evaluated exactly point by point.
struct CDFAlongSorted {
  static let knotSpacing = 16
  let values: [Double]

  init(sorted: [Double], distribution: some ContinuousDistribution) {
    let count = sorted.count
    guard count > 4 * Self.knotSpacing else {
      values = sorted.map(distribution.cdf)
      return
    }
    var values = [Double](repeating: 0, count: count)
    var knots = Array(stride(from: 0, to: count, by: Self.knotSpacing))
    if knots.last != count - 1 { knots.append(count - 1) }
    let knotCDF = knots.map { distribution.cdf(sorted[$0]) }
    let knotDensity = knots.map { distribution.pdf(sorted[$0]) }
    for segment in 0..<(knots.count - 1) {
      let (start, end) = (knots[segment], knots[segment + 1])
      let (x0, x1) = (sorted[start], sorted[end])
      let (f0, f1) = (knotCDF[segment], knotCDF[segment + 1])
      let width = x1 - x0
      let (d0, d1) = (knotDensity[segment] * width, knotDensity[segment + 1] * width)
      func hermite(_ x: Double) -> Double {
        guard width > 0 else { return f0 }
        let t = (x - x0) / width
        let t2 = t * t
        let t3 = t2 * t
        return (2 * t3 - 3 * t2 + 1) * f0 + (t3 - 2 * t2 + t) * d0 + (3 * t2 - 2 * t3) * f1 + (t3 - t2) * d1
      }
      let middle = 0.5 * (x0 + x1)
      let trusted = width == 0 || abs(hermite(middle) - distribution.cdf(middle)) <= 1e-10
      values[start] = f0
      for index in (start + 1)..<end {
        values[index] = trusted ? hermite(sorted[index]) : distribution.cdf(sorted[index])
      }
    }
    values[count - 1] = knotCDF[knots.count - 1]
    self.values = values
  }
}

/// The Kolmogorov–Smirnov distance between the empirical distribution of elements given as
/// strictly ascending finite `values`, `counts[i]` elements equal to `values[i]`, and
/// `distribution`: exact over all elements, since the empirical cdf is a step at each value and the
/// model cdf is compared on both sides of each step (F is exact at every 16th value and
/// cubic-Hermite between, as for `kolmogorovSmirnovDistance(sorted:_:)`).
public func kolmogorovSmirnovDistance(
  values: [Double], counts: [Double], _ distribution: some ContinuousDistribution
) -> Double {
  precondition(values.count == counts.count)
  let total = counts.reduce(0, +)
  guard total > 0 else { return .nan }
  let model = CDFAlongSorted(sorted: values, distribution: distribution).values
  var distance = 0.0
  var below = 0.0
  for index in values.indices {
    let above = below + counts[index]
    distance = max(distance, model[index] - below / total, above / total - model[index])
    below = above
  }
  return distance
}
