import Foundation

/// SplitMix64 (Steele, Lea & Flood): a small, fast, deterministic generator, the package's one
/// PRNG. The same seed gives the same sequence on every platform and run, so subsamples,
/// synthetic benchmark tensors and test data reproduce.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Draws from the normal and Student's t over the package's generator (synthetic tensors and
/// test data).
extension SplitMix64 {
  /// A standard normal draw (Box–Muller).
  public mutating func normal() -> Double {
    let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
    let v = Double.random(in: 0..<1, using: &self)
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }

  /// Student's t with integer ν, as Z / √(χ²_ν / ν) from normal draws only.
  public mutating func studentT(nu: Int) -> Double {
    let z = normal()
    var chiSquared = 0.0
    for _ in 0..<nu {
      let g = normal()
      chiSquared += g * g
    }
    return z / (chiSquared / Double(nu)).squareRoot()
  }
}
