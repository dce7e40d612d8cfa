import Distributions
import Foundation

/// Samplers for test data, over the package's generator (SplitMix64), so data is the same on
/// every run.
extension SplitMix64 {
  /// A standard normal draw (Box–Muller).
  mutating func normal() -> Double {
    let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
    let v = Double.random(in: 0..<1, using: &self)
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }

  /// Student's t with integer ν, as Z / √(χ²_ν / ν) from normal draws only.
  mutating func studentT(nu: Int) -> Double {
    let z = normal()
    var chiSquared = 0.0
    for _ in 0..<nu {
      let g = normal()
      chiSquared += g * g
    }
    return z / (chiSquared / Double(nu)).squareRoot()
  }
}
