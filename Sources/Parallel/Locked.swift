import Foundation

/// A value guarded by a lock: the one mutex type of the package.
///
/// (`Synchronization.Mutex` needs macOS 15; the package supports macOS 13.)
public final class Locked<Value: Sendable>: @unchecked Sendable {
  // @unchecked: `value` is read and written only inside `withLock`, under `lock`, and `Value` is
  // Sendable, so handing it from one thread to another is safe.
  private let lock = NSLock()
  private var value: Value

  public init(_ value: Value) { self.value = value }

  /// Runs `body` with the value, holding the lock; `body` must not call `withLock` on this value.
  public func withLock<Result, Failure: Error>(
    _ body: (inout Value) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}
