import Distributions
import Foundation
import TensorIO

/// The benchmark's synthetic tensor: Student's t samples (ν = 5, scale 0.02, typical of LLM
/// weights), from a fixed-seed generator so every run times the same data.
enum SyntheticTensor {
  enum Kind: String {
    case f32, bf16
  }

  static func studentT(rows: Int, columns: Int, kind: Kind, nu: Double = 5, scale: Double = 0.02) -> Tensor {
    let count = rows * columns
    let width = kind == .f32 ? 4 : 2
    var bytes = [UInt8](repeating: 0, count: count * width)
    var generator = SplitMix64(seed: 0x7473_636f_7065)
    let degrees = max(1, Int(nu.rounded()))
    bytes.withUnsafeMutableBytes { raw in
      for index in 0..<count {
        let value = Float(scale * generator.studentT(nu: degrees))
        if kind == .f32 {
          raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: index * 4, as: UInt32.self)
        } else {
          raw.storeBytes(of: bfloat16Bits(value).littleEndian, toByteOffset: index * 2, as: UInt16.self)
        }
      }
    }
    let storage = ByteStorage.owning(bytes)
    let info = TensorInfo(
      name: "synthetic", dtype: kind == .f32 ? .f32 : .bf16, shape: [rows, columns], file: "(synthetic)")
    return Tensor(info: info, storage: storage, bytes: storage.bytes)
  }

  /// Float32 → BF16, rounding to nearest even (finite inputs).
  private static func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    let rounding = 0x7fff + ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
  }
}
