/// One tensor's data: its info and its bytes (little-endian, C order), validated on load.
// @unchecked: `bytes` is read-only and kept alive by `storage`, so sharing it across threads is safe.
public struct Tensor: @unchecked Sendable {
  public let info: TensorInfo
  /// Keeps `bytes` alive (and identifies them: Parallel's `memoized` keys its cache by it).
  public let storage: ByteStorage
  /// The tensor's byte range inside `storage`; its length was checked against shape × dtype on load.
  /// For a shipped weight (`DType.shipped`), the bytes of its packed values.
  public let bytes: UnsafeRawBufferPointer
  /// For a shipped weight: its parts and how they combine; nil for every other tensor.
  let shippedParts: ShippedParts?

  /// `bytes` must lie inside `storage.bytes` and hold exactly the tensor (the readers check both).
  public init(info: TensorInfo, storage: ByteStorage, bytes: UnsafeRawBufferPointer) {
    self.info = info
    self.storage = storage
    self.bytes = bytes
    self.shippedParts = nil
  }

  /// A shipped weight: its info (dtype `.shipped`) and the parts `ShippedWeights` checked.
  init(info: TensorInfo, parts: ShippedParts) {
    self.info = info
    self.storage = parts.values.storage
    self.bytes = parts.values.bytes
    self.shippedParts = parts
  }

  public var count: Int { info.count }

  /// Throws when a file holding the tensor (any part of a shipped weight) changed on disk since
  /// it was opened (see `ByteStorage.checkUnchanged`). Call it before the tensor's bytes are read.
  public func checkFileUnchanged() throws(TensorFileError) {
    try storage.checkUnchanged()
    for part in shippedParts?.all ?? [] where part.storage !== storage { try part.storage.checkUnchanged() }
  }
}
