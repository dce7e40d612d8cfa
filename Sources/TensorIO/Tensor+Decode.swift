extension Tensor {
  /// Decodes elements `range` (flat, row-major indices) to Float32 into `output`
  /// (`output.count == range.count`). Bit-exact for every float dtype; integers convert exactly
  /// where Float32 can hold them. Only analysable dtypes (`DType.isAnalysable`) may be decoded.
  public func decode(_ range: Range<Int>, into output: UnsafeMutableBufferPointer<Float>) {
    precondition(range.lowerBound >= 0 && range.upperBound <= count && output.count == range.count)
    switch info.dtype {
    case .ggml(let type):
      GGMLBlockDecoder.decode(type, bytes: bytes, range: range, into: output)
    case .f4E2M1:
      ScalarDecoder.decodeE2M1(bytes: bytes, range: range, into: output)
    case .shipped:
      // A shipped tensor always has its parts: only `ShippedWeights` makes the dtype.
      shippedParts!.decode(range, into: output)
    default:
      ScalarDecoder.decode(info.dtype, bytes: bytes, range: range, into: output)
    }
  }
}

extension Tensor {
  /// Elements per chunk of `forEachDecodedChunk`: 64 Ki Float32 = 256 KiB, about one L2 cache.
  public static let defaultChunkElements = 65_536

  /// Decodes the tensor chunk by chunk into one reused buffer and calls `body` with each chunk
  /// and the flat index of its first element: the whole tensor is never held as Float32 at once.
  public func forEachDecodedChunk(
    chunkElements: Int = Tensor.defaultChunkElements,
    _ body: (_ chunk: UnsafeBufferPointer<Float>, _ firstIndex: Int) throws -> Void
  ) rethrows {
    precondition(chunkElements > 0)
    let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: min(chunkElements, max(count, 1)))
    defer { buffer.deallocate() }
    var start = 0
    while start < count {
      let range = start..<min(start + chunkElements, count)
      let chunk = UnsafeMutableBufferPointer(rebasing: buffer[0..<range.count])
      decode(range, into: chunk)
      try body(UnsafeBufferPointer(chunk), start)
      start = range.upperBound
    }
  }

  /// The whole tensor decoded to Float32 (for small tensors and tests; large ones go by chunks).
  public func decodedValues() -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      decode(0..<count, into: buffer)
      initialized = count
    }
  }
}
