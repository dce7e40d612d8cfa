import Distributions

/// The NF4 construction (bitsandbytes' `create_normal_map`), generalized to any quantile
/// function and bit width: SF4(ν) is this recipe with Student's t quantiles (SPEC §3).
///
/// With 2^bits codes, the positive half is the quantiles at the first 2^(bits−1) of
/// 2^(bits−1)+1 evenly spaced probabilities from `offset` to 0.5, the negative half the negated
/// quantiles at the first 2^(bits−1)−1 of 2^(bits−1) such probabilities; then 0 is added, the
/// values are sorted and divided by the largest.
///
/// The published NF4 floats come from float32 arithmetic (torch's `linspace` and a float32
/// division), so the probabilities and the normalization are done in Float32 here too; this
/// reproduces NF4 bit for bit.
public enum QuantileCodebook {
  /// The offset NF4 uses: the outermost probability.
  public static let offset = 0.9677083

  /// Values (ascending, largest 1) for `bits`-bit codes from `quantile` (a standard
  /// distribution's inverse CDF).
  public static func values(bits: Int, quantile: (Double) -> Double) -> [Double] {
    let half = 1 << (bits - 1)
    let positive = float32Linspace(from: offset, to: 0.5, count: half + 1).prefix(half).map {
      Float(quantile(Double($0)))
    }
    let negative = float32Linspace(from: offset, to: 0.5, count: half).prefix(half - 1).map {
      -Float(quantile(Double($0)))
    }
    let sorted = (positive + negative + [0]).sorted()
    let largest = sorted[sorted.count - 1]
    return sorted.map { Double($0 / largest) }
  }

  /// NF`bits`: the recipe with the standard normal's quantiles.
  public static func normalFloat(bits: Int) -> [Double] {
    values(bits: bits) { Normal.standardQuantile($0) }
  }

  /// SF`bits`(ν): the recipe with Student's t quantiles at ν degrees of freedom (any real ν > 0).
  public static func studentFloat(bits: Int, nu: Double) -> [Double] {
    let distribution = StudentT(nu: nu)
    return values(bits: bits) { distribution.quantile($0) }
  }

  /// torch.linspace in float32: the first half steps up from `start`, the second half steps down
  /// from `end`, so both ends are exact.
  static func float32Linspace(from start: Double, to end: Double, count: Int) -> [Float] {
    let low = Float(start)
    let high = Float(end)
    let step = (high - low) / Float(count - 1)
    return (0..<count).map { index in
      index < count / 2 ? low + Float(index) * step : high - Float(count - 1 - index) * step
    }
  }
}
