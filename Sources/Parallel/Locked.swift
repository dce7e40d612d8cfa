import Foundation

/// A value guarded by a lock, with a condition to wait on: the one mutex type of the package.
///
/// (`Synchronization.Mutex` needs macOS 15; the package supports macOS 13.)
public final class Locked<Value: Sendable>: @unchecked Sendable {
  // @unchecked: `value` is read and written only while `condition` (a lock) is held, and `Value`
  // is Sendable, so handing it from one thread to another is safe.
  private let condition = NSCondition()
  private var value: Value

  public init(_ value: Value) { self.value = value }

  /// Runs `body` with the value, holding the lock; `body` must not call `withLock` on this value.
  public func withLock<Result, Failure: Error>(
    _ body: (inout Value) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    condition.lock()
    defer { condition.unlock() }
    return try body(&value)
  }

  /// Runs `body` under the lock until it returns a value, waiting for a `signal` or `broadcast`
  /// between tries; nil when `deadline` (nil: none) passes first.
  public func wait<Result>(deadline: Date? = nil, for body: (inout Value) -> Result?) -> Result? {
    condition.lock()
    defer { condition.unlock() }
    while true {
      if let result = body(&value) { return result }
      if let deadline {
        if !condition.wait(until: deadline) { return body(&value) }
      } else {
        condition.wait()
      }
    }
  }

  /// Wakes one waiter.
  public func signal() {
    condition.lock()
    condition.signal()
    condition.unlock()
  }

  /// Wakes every waiter.
  public func broadcast() {
    condition.lock()
    condition.broadcast()
    condition.unlock()
  }
}
