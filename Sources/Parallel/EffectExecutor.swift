// The explorer's effect executor lives in Parallel: threads belong here, not in Explorer.
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Runs blocking work (kernel runs, fits, tensor loads) on a few threads of its own, so it never
/// occupies a thread of Swift's cooperative pool. Two lanes: work for the focused tensor always
/// starts before background work (the survey); within a lane, work starts in the order submitted.
///
/// Threads start as work arrives (up to `threads`) and end once the executor is shut down and its
/// queue is empty.
public final class EffectExecutor: Sendable {
  public enum Lane {
    case focused
    case background

    /// The nice value a thread takes on Linux while it runs work of this lane: what the
    /// cooperative pool gave user-initiated and default tasks (the threads the kernel starts
    /// inherit it). Without the privilege to lower it, a thread stays at 0.
    var niceValue: Int32 { self == .focused ? -2 : 0 }
  }

  private struct Queue {
    var focused: [@Sendable () -> Void] = []
    var background: [@Sendable () -> Void] = []
    var threads = 0
    var busyThreads = 0
    var isShutDown = false

    mutating func next() -> (lane: Lane, work: @Sendable () -> Void)? {
      if !focused.isEmpty { return (.focused, focused.removeFirst()) }
      if !background.isEmpty { return (.background, background.removeFirst()) }
      return nil
    }
  }

  /// What a thread does next.
  private enum Step {
    case run(Lane, @Sendable () -> Void)
    case end
  }

  private let queue = Locked(Queue())
  private let maximumThreads: Int

  /// `threads`: how many pieces of work may run at once (each may start its own worker threads).
  public init(threads: Int) {
    maximumThreads = max(1, threads)
  }

  /// Queues `work` on `lane`; returns at once.
  public func submit(_ lane: Lane, _ work: @escaping @Sendable () -> Void) {
    let startsThread = queue.withLock { queue in
      switch lane {
      case .focused: queue.focused.append(work)
      case .background: queue.background.append(work)
      }
      let waiting = queue.focused.count + queue.background.count
      guard waiting > queue.threads - queue.busyThreads, queue.threads < maximumThreads else { return false }
      queue.threads += 1
      return true
    }
    queue.signal()
    if startsThread {
      let queue = self.queue
      let thread = Thread { Self.serve(queue) }
      thread.name = "tscope.effects"
      thread.start()
    }
  }

  /// Lets the threads end once the queued work is done.
  public func shutDown() {
    queue.withLock { $0.isShutDown = true }
    queue.broadcast()
  }

  /// One thread's life: take the next piece of work, run it, repeat; wait while there is none.
  private static func serve(_ queue: Locked<Queue>) {
    var priority: Int32 = 0
    while case .run(let lane, let work) = queue.wait(for: Self.nextStep) {
      if lane.niceValue != priority {
        priority = lane.niceValue
        setThreadPriority(priority)
      }
      work()
      queue.withLock { $0.busyThreads -= 1 }
    }
  }

  /// The next piece of work; the end once shut down with nothing queued; nil: wait for work.
  private static func nextStep(_ queue: inout Queue) -> Step? {
    if let (lane, work) = queue.next() {
      queue.busyThreads += 1
      return .run(lane, work)
    }
    guard queue.isShutDown else { return nil }
    queue.threads -= 1
    return .end
  }
}

/// Sets the calling thread's nice value (Linux: per thread; `who` 0 is the calling thread).
private func setThreadPriority(_ nice: Int32) {
  #if os(Linux)
    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
  #endif
}

/// A flag a piece of work checks between steps (`isCancelled`) and its owner sets to stop it early.
/// The one cancellation mechanism of the explorer's effects.
public final class CancellationFlag: Sendable {
  private let flag = Locked(false)

  public init() {}

  public func cancel() { flag.withLock { $0 = true } }
  public var isCancelled: Bool { flag.withLock { $0 } }
}
