extension Tensor {
  /// Throws the one-line error a command shows when asked to analyse a tensor whose dtype tscope
  /// cannot decode to Float32 (I64, U8, BOOL, and GGML types such as Q2_K or IQ4_XS).
  public func requireDecodable() throws(TensorFileError) {
    guard !info.dtype.isAnalysable else { return }
    throw TensorFileError(
      file: info.file,
      problem: "tensor \"\(info.name)\" has type \(info.dtype), which tscope cannot decode "
        + "(decodable: floats, I8/I16/I32 and the GGML types Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)")
  }
}
