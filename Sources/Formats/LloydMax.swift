import Distributions
import Foundation

/// Lloyd–Max quantizers (Lloyd 1957/1982, Max 1960): the levels that minimize the mean squared
/// error of rounding to the nearest level, for a density (`lloyd@normal`, `lloyd@t`) or for a
/// tensor's weighted samples (`lloyd`, in Kernels). Both alternate Lloyd's two conditions —
/// thresholds midway between levels, each level the centroid of its cell — from a deterministic
/// start (the quantiles at (k + ½)/K) until no level moves by more than `tolerance`.
public enum LloydMax {
  /// Lloyd iterations at most (16 levels on a normal converge in a few hundred).
  public static let iterationLimit = 100_000
  /// Converged when no level moves by more than this (relative to the outermost level).
  public static let tolerance = 1e-13

  /// The mass left out in each tail of a density: its t tails beyond carry a negligible first moment
  /// for ν > 1 (relative 1e-5 on the outer level at ν = 3).
  static let tailMass = 1e-16

  /// The quantizer of a density: levels ascending, in the density's own units, and its MSE.
  public struct Quantizer: Sendable, Hashable {
    public let levels: [Double]
    public let mse: Double
    public let iterations: Int
  }

  /// The `count`-level Lloyd–Max quantizer of a symmetric standard `distribution`, by numerical
  /// integration: the density is tabulated on 2^18 trapezoids in u, with x = sinh(u) (fine near 0,
  /// geometric in the tails), over its central 1 − 2·10⁻¹⁶ of mass and renormalized there (which
  /// keeps the outer centroid finite for ν ≤ 1). Cell masses and first moments come from the
  /// cumulative tables, linearly interpolated.
  public static func quantizer(count: Int, distribution: some ContinuousDistribution) -> Quantizer {
    precondition(count >= 2)
    let bound = -distribution.quantile(tailMass)
    let table = Table(bound: bound.isFinite && bound > 0 ? bound : 1e10, density: distribution.pdf)
    var levels = (0..<count).map { table.quantile((Double($0) + 0.5) / Double(count)) }
    var iterations = 0
    while iterations < iterationLimit {
      iterations += 1
      var next = levels
      var lower = -Double.infinity
      for index in 0..<count {
        let upper = index + 1 < count ? (levels[index] + levels[index + 1]) / 2 : .infinity
        let mass = table.mass(from: lower, to: upper)
        if mass > 0 { next[index] = table.firstMoment(from: lower, to: upper) / mass }
        lower = upper
      }
      let moved = zip(levels, next).map { abs($0 - $1) }.max() ?? 0
      levels = next
      if moved <= tolerance * max(abs(levels[count - 1]), 1e-300) { break }
    }
    // The density is symmetric: average out the integration's tiny asymmetry.
    levels = (0..<count).map { (levels[$0] - levels[count - 1 - $0]) / 2 }
    return Quantizer(levels: levels, mse: table.meanSquaredError(levels: levels), iterations: iterations)
  }

  /// The quantizer's levels divided by the largest (as every codebook is normalized).
  public static func normalizedValues(count: Int, distribution: some ContinuousDistribution) -> [Double] {
    let levels = quantizer(count: count, distribution: distribution).levels
    let largest = levels[levels.count - 1]
    var values = levels.map { $0 / largest }
    if count % 2 == 1 { values[count / 2] = 0 }
    return values
  }

  /// Cumulative mass, first and second moment of a density on a sinh-spaced grid.
  struct Table {
    static let intervals = 1 << 18
    let edge: Double
    let step: Double
    var mass: [Double]
    var first: [Double]
    var second: [Double]

    init(bound: Double, density: (Double) -> Double) {
      edge = asinh(bound)
      step = 2 * edge / Double(Self.intervals)
      let count = Self.intervals + 1
      mass = [Double](repeating: 0, count: count)
      first = mass
      second = mass
      // dx = cosh(u) du.
      func terms(_ index: Int) -> (Double, Double, Double) {
        let u = -edge + Double(index) * step
        let x = sinh(u)
        let weight = density(x) * cosh(u)
        return (weight, weight * x, weight * x * x)
      }
      var previous = terms(0)
      for index in 1..<count {
        let current = terms(index)
        mass[index] = mass[index - 1] + (previous.0 + current.0) * step / 2
        first[index] = first[index - 1] + (previous.1 + current.1) * step / 2
        second[index] = second[index - 1] + (previous.2 + current.2) * step / 2
        previous = current
      }
      let total = mass[count - 1]
      for index in 0..<count {
        mass[index] /= total
        first[index] /= total
        second[index] /= total
      }
    }

    /// A cumulative table at x, interpolated linearly in u; 0 below the grid, the total above.
    func cumulative(_ table: [Double], at x: Double) -> Double {
      if x == -.infinity { return 0 }
      if x == .infinity { return table[table.count - 1] }
      let position = (asinh(x) + edge) / step
      if position <= 0 { return 0 }
      if position >= Double(Self.intervals) { return table[table.count - 1] }
      let index = Int(position)
      let fraction = position - Double(index)
      return table[index] + fraction * (table[index + 1] - table[index])
    }

    func mass(from lower: Double, to upper: Double) -> Double {
      cumulative(mass, at: upper) - cumulative(mass, at: lower)
    }

    func firstMoment(from lower: Double, to upper: Double) -> Double {
      cumulative(first, at: upper) - cumulative(first, at: lower)
    }

    /// The x where the cumulative mass reaches p (bisection on the monotone table).
    func quantile(_ p: Double) -> Double {
      var low = 0
      var high = mass.count - 1
      while high - low > 1 {
        let middle = (low + high) / 2
        if mass[middle] < p { low = middle } else { high = middle }
      }
      let span = mass[high] - mass[low]
      let fraction = span > 0 ? (p - mass[low]) / span : 0
      return sinh(-edge + (Double(low) + fraction) * step)
    }

    /// Σ_k ∫_cell (x − c_k)² f(x) dx, with nearest-level cells.
    func meanSquaredError(levels: [Double]) -> Double {
      var total = 0.0
      var lower = -Double.infinity
      for index in levels.indices {
        let upper = index + 1 < levels.count ? (levels[index] + levels[index + 1]) / 2 : .infinity
        let level = levels[index]
        let secondMoment = cumulative(second, at: upper) - cumulative(second, at: lower)
        total +=
          secondMoment - 2 * level * firstMoment(from: lower, to: upper) + level * level * mass(from: lower, to: upper)
        lower = upper
      }
      return total
    }
  }
}
