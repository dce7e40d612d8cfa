/// Decoders from every scalar dtype to Float32.
enum ScalarDecoder {
  static func decode(
    _ dtype: DType, bytes: UnsafeRawBufferPointer, range: Range<Int>, into output: UnsafeMutableBufferPointer<Float>
  ) {
    // Placeholder until the decoders land: only F32 is decoded.
    precondition(dtype == .f32, "decoding \(dtype) is not implemented yet")
    for (offset, element) in range.enumerated() {
      output[offset] = bytes.loadUnaligned(fromByteOffset: element * 4, as: Float.self)
    }
  }
}
