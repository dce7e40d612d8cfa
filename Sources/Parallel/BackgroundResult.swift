import Foundation

/// A value computed on its own thread, waited for when needed (a report fits a tensor on
/// one while the kernel measures it on the others).
public final class BackgroundResult<Value: Sendable>: @unchecked Sendable {
  // @unchecked: `result` is written once by the worker before `done` is signalled, and read only
  // after waiting on `done` (the semaphore orders the write before every read).
  private var result: Result<Value, any Error>?
  private let done = DispatchSemaphore(value: 0)

  public init(_ work: @escaping @Sendable () throws -> Value) {
    Thread {
      self.result = Result { try work() }
      self.done.signal()
    }.start()
  }

  /// Waits for the value (or rethrows the work's error).
  public func value() throws -> Value {
    done.wait()
    done.signal()  // later calls return at once
    return try result!.get()
  }
}
