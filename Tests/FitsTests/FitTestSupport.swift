import Distributions
import Foundation
import TensorIO

@testable import Fits

/// A Float32 tensor over an owned buffer, as a safetensors file would give it.
func makeTensor(_ values: [Float], name: String = "test", dtype: DType = .f32) -> Tensor {
  let bytes = values.withUnsafeBytes { Array($0) }
  let storage = ByteStorage.owning(bytes)
  let info = TensorInfo(name: name, dtype: dtype, shape: [values.count], file: "memory")
  return Tensor(info: info, storage: storage, bytes: storage.bytes)
}

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

/// Whether `actual` is within `tolerance` relative of `expected` (equal values always are).
func isClose(_ actual: Double, _ expected: Double, tolerance: Double) -> Bool {
  if actual == expected { return true }
  return abs(actual - expected) <= tolerance * max(abs(expected), 1e-300)
}
