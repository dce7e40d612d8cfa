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

/// Whether `actual` is within `tolerance` relative of `expected` (equal values always are).
func isClose(_ actual: Double, _ expected: Double, tolerance: Double) -> Bool {
  if actual == expected { return true }
  return abs(actual - expected) <= tolerance * max(abs(expected), 1e-300)
}
