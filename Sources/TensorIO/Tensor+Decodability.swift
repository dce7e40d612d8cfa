extension Tensor {
  /// Throws the one-line error a command shows when asked to analyse a tensor whose dtype tscope
  /// cannot decode to Float32 (I64, U8, BOOL, a GGUF type id ggml does not define, …), with the
  /// dtype's `unanalysableReason`.
  public func requireDecodable() throws(TensorFileError) {
    guard let reason = info.dtype.unanalysableReason else { return }
    throw TensorFileError(
      file: info.file,
      problem: "tensor \"\(info.name)\" has type \(info.dtype), which tscope cannot decode (\(reason))")
  }
}
