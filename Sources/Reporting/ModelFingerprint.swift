import TensorIO

/// A short hash of a model's tensor list (names, dtypes, shapes), so `merge` can tell parts of
/// different models apart even when the model path differs between cluster nodes.
public enum ModelFingerprint {
  public static func of(_ tensors: [TensorInfo]) -> String {
    // FNV-1a, 64-bit: stable across runs and platforms (unlike Hasher, which is seeded per process).
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ text: String) {
      for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
      }
      hash ^= 0xff
      hash &*= 0x100_0000_01b3
    }
    for tensor in tensors {
      mix(tensor.name)
      mix(tensor.dtype.description)
      mix(tensor.shape.map(String.init).joined(separator: "x"))
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}
