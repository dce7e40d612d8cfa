import Foundation

extension Tensor {
  /// A value derived from this tensor's bytes, computed once per key and kept as long as the
  /// bytes are (the cache lives in the storage, so it can never outlive or confuse the data).
  /// The kernel keeps a whole tensor's range here: every format at `--group tensor` needs it.
  public func memoized<Value: Sendable, Failure: Error>(
    _ key: String, _ compute: () throws(Failure) -> Value
  ) throws(Failure) -> Value {
    let fullKey = "\(Int(bitPattern: bytes.baseAddress)):\(bytes.count):\(key)"
    if let known = storage.memo.value(for: fullKey) as? Value { return known }
    let value = try compute()
    storage.memo.store(value, for: fullKey)
    return value
  }
}

/// Values derived from a storage's bytes, shared by every thread that reads them.
final class StorageMemo: @unchecked Sendable {
  // @unchecked: `values` is only touched under `lock`.
  private let lock = NSLock()
  private var values: [String: any Sendable] = [:]

  func value(for key: String) -> (any Sendable)? {
    lock.lock()
    defer { lock.unlock() }
    return values[key]
  }

  func store(_ value: any Sendable, for key: String) {
    lock.lock()
    defer { lock.unlock() }
    values[key] = value
  }
}
