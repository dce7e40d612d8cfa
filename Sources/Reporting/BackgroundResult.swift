import Foundation

/// A value computed on its own thread, waited for when needed.
final class BackgroundResult<Value: Sendable>: @unchecked Sendable {
  // @unchecked: `result` is written once by the worker before `done` is signalled, and read only
  // after waiting on `done`.
  private var result: Result<Value, any Error>?
  private let done = DispatchSemaphore(value: 0)

  init(_ work: @escaping @Sendable () throws -> Value) {
    Thread {
      self.result = Result { try work() }
      self.done.signal()
    }.start()
  }

  /// Waits for the value (or rethrows the work's error).
  func value() throws -> Value {
    done.wait()
    done.signal()  // later calls return at once
    return try result!.get()
  }
}
