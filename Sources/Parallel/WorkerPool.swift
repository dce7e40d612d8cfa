import Dispatch
import Foundation

/// Runs `count` independent work items on a fixed number of threads, each taking the next
/// unclaimed item, and returns when all are done.
///
/// `DispatchQueue.concurrentPerform` was measured keeping the kernel on one thread of the
/// 2-core Linux development machine (its pool gave a second worker only a few percent of the
/// time), so the kernel and the fits start their own threads: the caller plus `threads - 1` more.
/// Kernels and Fits share it. It blocks its caller until every item is done: call it from a
/// thread of its own, not from Swift's cooperative pool.
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
private final class WorkItems: Sendable {
  /// The work in a struct: a closure stored directly as part of the lock's generic value is
  /// re-abstracted (wrapped in two more thunks) each time `claim` writes the state back, so the
  /// n-th item's call went through 2n thunks.
  private struct Work: Sendable {
    let run: @Sendable (Int) -> Void
  }

  private let count: Int
  /// The next unclaimed item and the work (nil once released).
  private let state: Locked<(following: Int, work: Work?)>

  init(count: Int, work: @escaping @Sendable (Int) -> Void) {
    self.count = count
    state = Locked((0, Work(run: work)))
  }

  /// Runs the work on unclaimed items until none is left.
  func drain() {
    while let (item, work) = claim() { work(item) }
  }

  /// Drops the work once every thread is done.
  func release() {
    state.withLock { $0.work = nil }
  }

  private func claim() -> (Int, @Sendable (Int) -> Void)? {
    state.withLock { state in
      guard state.following < count, let work = state.work else { return nil }
      state.following += 1
      return (state.following - 1, work.run)
    }
  }
}
