extension Tensor {
  /// Decodes elements `range` (flat, row-major indices) to Float32 into `output`
  /// (`output.count == range.count`). Bit-exact for every float dtype; integers convert exactly
  /// where Float32 can hold them. Only analysable dtypes (`DType.isAnalysable`) may be decoded.
  public func decode(_ range: Range<Int>, into output: UnsafeMutableBufferPointer<Float>) {
    precondition(range.lowerBound >= 0 && range.upperBound <= count && output.count == range.count)
    switch info.dtype {
    case .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4K, .q5K, .q6K:
      GGMLBlockDecoder.decode(info.dtype, bytes: bytes, range: range, into: output)
    default:
      ScalarDecoder.decode(info.dtype, bytes: bytes, range: range, into: output)
    }
  }
}
