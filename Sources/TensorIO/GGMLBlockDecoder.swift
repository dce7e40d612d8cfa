/// Decoders from GGML block-quantized types to Float32, as gguf-py's dequantize does.
enum GGMLBlockDecoder {
  static func decode(
    _ dtype: DType, bytes: UnsafeRawBufferPointer, range: Range<Int>, into output: UnsafeMutableBufferPointer<Float>
  ) {
    preconditionFailure("decoding \(dtype) is not implemented yet")
  }
}
