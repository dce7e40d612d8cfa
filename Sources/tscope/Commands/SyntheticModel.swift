import TensorIO

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The benchmarks' stand-in model: one F32 tensor of Student's t values (deterministic seed),
/// shaped like a 7B model's MLP projection (4096×11008 = 45M elements) unless told otherwise.
enum SyntheticModel {
  static func studentT(rows: Int = 4096, columns: Int = 11008, nu: Double = 5, scale: Double = 0.02) -> Model {
    let count = rows * columns
    var bytes = [UInt8](repeating: 0, count: count * 4)
    var generator = SplitMix64(seed: 0x7473_636F_7065)
    bytes.withUnsafeMutableBytes { raw in
      for index in 0..<count {
        raw.storeBytes(of: Float(scale * generator.studentT(nu: nu)), toByteOffset: index * 4, as: Float.self)
      }
    }
    let storage = ByteStorage.owning(bytes)
    let info = TensorInfo(
      name: "synthetic.mlp.t\(Int(nu)).weight", dtype: .f32, shape: [rows, columns], file: "synthetic")
    return Model(
      path: "synthetic", tensors: [Tensor(info: info, storage: storage, bytes: storage.bytes)], metadata: [:])
  }
}

/// A small, fast, deterministic generator (Steele, Lea & Flood's SplitMix64).
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in (-1, 1).
  mutating func signedUnit() -> Double { Double(next() >> 11) / Double(1 << 52) - 1 }

  /// Student's t by Bailey's polar method (one accepted point in the unit disc per draw).
  mutating func studentT(nu: Double) -> Double {
    while true {
      let u = signedUnit()
      let v = signedUnit()
      let w = u * u + v * v
      if w > 0 && w < 1 { return u * (nu * (pow(w, -2 / nu) - 1) / w).squareRoot() }
    }
  }
}
