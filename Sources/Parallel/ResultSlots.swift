/// One result slot per work item, filled in any order by any thread; the results come back in
/// item order, so they do not depend on scheduling.
public final class ResultSlots<Value: Sendable>: Sendable {
  private let slots: Locked<[Value?]>

  public init(count: Int) { slots = Locked(Array(repeating: nil, count: count)) }

  /// Keeps `value` as item `index`'s result.
  public func store(_ value: Value, at index: Int) {
    slots.withLock { $0[index] = value }
  }

  /// Every item's result in item order, or nil when some item left its slot empty (it was
  /// cancelled before it ran or while it ran).
  public func results() -> [Value]? {
    slots.withLock { slots in
      var results: [Value] = []
      results.reserveCapacity(slots.count)
      for slot in slots {
        guard let slot else { return nil }
        results.append(slot)
      }
      return results
    }
  }
}
