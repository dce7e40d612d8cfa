import Dispatch
import Foundation

/// Runs `count` independent work items on a fixed number of threads, each taking the next
/// unclaimed item, and returns when all are done.
///
/// `DispatchQueue.concurrentPerform` was measured keeping the kernel on one thread of the
/// 2-core Linux development machine (its pool gave a second worker only a few percent of the
/// time), so the kernel and the fits start their own threads: the caller plus `threads - 1` more.
/// It lives in TensorIO, the module every analysis stands on, so Kernels and Stats share it.
public enum WorkerPool {
  public static func run(count: Int, threads: Int, _ work: @escaping @Sendable (Int) -> Void) {
    let workers = max(1, min(threads, count))
    let items = WorkItems(count: count, work: work)
    let finished = DispatchSemaphore(value: 0)
    for _ in 1..<workers {
      // The thread holds `items`, never `work` itself: once `release` ran, nothing refers to
      // `work` (callers pass closures made with `withoutActuallyEscaping`).
      Thread {
        items.drain()
        finished.signal()
      }.start()
    }
    items.drain()
    for _ in 1..<workers { finished.wait() }
    items.release()
  }

  /// The default worker count: every core the process may use.
  public static var allCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}

/// The items 0..<count, handed out once each to any number of threads, and the work to do on each.
private final class WorkItems: @unchecked Sendable {
  // @unchecked: `following` and `work` are read and written only under `lock`.
  private let lock = NSLock()
  private var following = 0
  private let count: Int
  private var work: (@Sendable (Int) -> Void)?

  init(count: Int, work: @escaping @Sendable (Int) -> Void) {
    self.count = count
    self.work = work
  }

  /// Runs the work on unclaimed items until none is left.
  func drain() {
    while let (item, work) = claim() { work(item) }
  }

  /// Drops the work once every thread is done.
  func release() {
    lock.lock()
    work = nil
    lock.unlock()
  }

  private func claim() -> (Int, @Sendable (Int) -> Void)? {
    lock.lock()
    defer { lock.unlock() }
    guard following < count, let work else { return nil }
    following += 1
    return (following - 1, work)
  }
}
