import Foundation
import TensorIO

@testable import Kernels

/// In-memory tensors for kernel tests.
enum TensorFixtures {
  /// Student's t-like values (ν = 4, scale 0.02) from a fixed seed.
  static func tValues(count: Int, seed: UInt64) -> [Float] {
    var state = seed
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (Double(state >> 11) + 0.5) / Double(1 << 53)
    }
    return (0..<count).map { _ -> Float in
      let normal = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
      let chi = (0..<4).reduce(0.0) { sum, _ in
        let z = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
        return sum + z * z
      }
      return Float(0.02 * normal / (chi / 4).squareRoot())
    }
  }

  /// Groups of 128 led by their amax (so every group has scale amax / maxValue), holding the
  /// float nearest t * scale and the two floats either side of it for every threshold t of
  /// `codebook` (those within the amax), zero-padded: one run of groups per amax.
  static func besideThresholds(_ codebook: PreparedCodebook, amaxes: [Float]) -> [Float] {
    var values: [Float] = []
    for amax in amaxes {
      let scale = amax / codebook.maxValue
      var candidates: [Float] = []
      for threshold in codebook.thresholds {
        let nearest = threshold * scale
        candidates += [
          nearest.nextDown.nextDown, nearest.nextDown, nearest, nearest.nextUp, nearest.nextUp.nextUp,
        ].filter { abs($0) <= amax }
      }
      for start in stride(from: 0, to: candidates.count, by: 127) {
        var group = [amax] + candidates[start..<min(start + 127, candidates.count)]
        group += [Float](repeating: 0, count: 128 - group.count)
        values += group
      }
    }
    return values
  }

  static func f32(_ values: [Float], shape: [Int]? = nil) -> Tensor {
    var bytes: [UInt8] = []
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
    return tensor(bytes, dtype: .f32, shape: shape ?? [values.count])
  }

  /// BF16 holding the top half of each Float (exact for values whose low 16 bits are zero).
  static func bf16(_ values: [Float], shape: [Int]? = nil) -> Tensor {
    var bytes: [UInt8] = []
    for value in values {
      withUnsafeBytes(of: UInt16(truncatingIfNeeded: value.bitPattern >> 16).littleEndian) { bytes += $0 }
    }
    return tensor(bytes, dtype: .bf16, shape: shape ?? [values.count])
  }

  /// F16 holding each Float rounded to Float16 (exact for values Float16 represents).
  static func f16(_ values: [Float], shape: [Int]? = nil) -> Tensor {
    var bytes: [UInt8] = []
    for value in values { withUnsafeBytes(of: Float16(value).bitPattern.littleEndian) { bytes += $0 } }
    return tensor(bytes, dtype: .f16, shape: shape ?? [values.count])
  }

  private static func tensor(_ bytes: [UInt8], dtype: DType, shape: [Int]) -> Tensor {
    let storage = ByteStorage.owning(bytes)
    return Tensor(
      info: TensorInfo(name: "t", dtype: dtype, shape: shape, file: "memory"), storage: storage, bytes: storage.bytes)
  }
}
