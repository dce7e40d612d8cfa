import TensorIO

extension Tensor {
  /// A value derived from this tensor's bytes, computed once per key and kept as long as the
  /// bytes are. The kernel keeps a whole tensor's range here: every format at `--group tensor`
  /// needs it.
  public func memoized<Value: Sendable, Failure: Error>(
    _ key: String, _ compute: () throws(Failure) -> Value
  ) throws(Failure) -> Value {
    let storage = self.storage
    // The tensor's place inside its storage tells tensors that share a storage apart.
    let start = storage.bytes.baseAddress.map { base in bytes.baseAddress.map { base.distance(to: $0) } ?? 0 } ?? 0
    let fullKey = "\(start):\(bytes.count):\(key)"
    if let known = MemoTable.shared.value(for: fullKey, in: storage) as? Value { return known }
    let value = try compute()
    MemoTable.shared.store(value, for: fullKey, in: storage)
    return value
  }
}

/// The memoized values of every live storage, process-wide.
///
/// Keyed by the storage's `ObjectIdentifier`, with the storage held weakly beside its values: a
/// new storage that happens to get a freed one's address finds an entry whose storage is gone
/// (or is another object), never that storage's values. Holding the storage weakly (rather than
/// retaining it) keeps the memo from extending a model's life; the entries of released storages
/// are dropped on the next store.
private final class MemoTable: Sendable {
  static let shared = MemoTable()

  private struct Entry: Sendable {
    weak var storage: ByteStorage?
    var values: [String: any Sendable]
  }

  private let entries = Locked<[ObjectIdentifier: Entry]>([:])

  func value(for key: String, in storage: ByteStorage) -> (any Sendable)? {
    entries.withLock { entries in
      guard let entry = entries[ObjectIdentifier(storage)], entry.storage === storage else { return nil }
      return entry.values[key]
    }
  }

  func store(_ value: any Sendable, for key: String, in storage: ByteStorage) {
    entries.withLock { entries in
      entries = entries.filter { $0.value.storage != nil }
      let id = ObjectIdentifier(storage)
      if entries[id]?.storage !== storage { entries[id] = Entry(storage: storage, values: [:]) }
      entries[id]?.values[key] = value
    }
  }
}
