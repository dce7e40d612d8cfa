import Foundation
import TensorIO

@testable import Stats

/// A Float32 tensor over an owned buffer, as a safetensors file would give it.
func makeTensor(_ values: [Float], name: String = "test", dtype: DType = .f32) -> Tensor {
  let bytes = values.withUnsafeBytes { Array($0) }
  let storage = ByteStorage.owning(bytes)
  let info = TensorInfo(name: name, dtype: dtype, shape: [values.count], file: "memory")
  return Tensor(info: info, storage: storage, bytes: storage.bytes)
}

/// A small deterministic generator (SplitMix64) so test data is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

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
