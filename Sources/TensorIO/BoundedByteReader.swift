/// A little-endian cursor over a byte buffer that never reads past its end.
///
/// Every read checks the remaining length first and throws a `TensorFileError` naming the file
/// and what was being read, so a parser built on it cannot run off a truncated or hostile file.
struct BoundedByteReader {
  let bytes: UnsafeRawBufferPointer
  let file: String
  /// Offset of the next byte to read; always `<= bytes.count`.
  private(set) var offset: Int

  init(bytes: UnsafeRawBufferPointer, file: String, offset: Int = 0) {
    precondition(offset >= 0 && offset <= bytes.count)
    self.bytes = bytes
    self.file = file
    self.offset = offset
  }

  var remaining: Int { bytes.count - offset }

  func failure(_ problem: String) -> TensorFileError {
    TensorFileError(file: file, problem: problem)
  }

  /// Throws unless `count` more bytes are available for `what`.
  func require(_ count: Int, for what: @autoclosure () -> String) throws(TensorFileError) {
    guard count >= 0, count <= remaining else {
      throw failure("truncated: \(what()) needs \(count) bytes at offset \(offset), only \(remaining) left")
    }
  }

  mutating func skip(_ count: Int, for what: @autoclosure () -> String) throws(TensorFileError) {
    try require(count, for: what())
    offset += count
  }

  mutating func read<T: FixedWidthInteger>(_: T.Type, for what: @autoclosure () -> String) throws(TensorFileError) -> T
  {
    try require(MemoryLayout<T>.size, for: what())
    // In bounds: require() checked offset + size <= bytes.count.
    let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    offset += MemoryLayout<T>.size
    return value
  }

  /// Reads a `UInt64` that must also fit in `Int` (a length, count or offset).
  mutating func readLength(for what: @autoclosure () -> String) throws(TensorFileError) -> Int {
    let raw = try read(UInt64.self, for: what())
    guard raw <= UInt64(Int.max) else { throw failure("\(what()) \(raw) is too large") }
    return Int(raw)
  }

  /// The next `count` bytes, without copying.
  mutating func slice(_ count: Int, for what: @autoclosure () -> String) throws(TensorFileError)
    -> UnsafeRawBufferPointer
  {
    try require(count, for: what())
    let result = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    offset += count
    return result
  }
}
