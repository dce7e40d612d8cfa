import Foundation
import Parallel
import Testing

@testable import Explorer

/// The scheduler's machinery: the executor's lanes, cancellation flags, and an inbox that wakes
/// its waiters instead of being polled.
struct EffectExecutorTests {
  /// A gate a test opens once: work that waits on it holds the executor's only thread.
  final class Gate: Sendable {
    private let isOpen = Locked(false)
    func open() {
      isOpen.withLock { $0 = true }
      isOpen.broadcast()
    }
    func wait() { _ = isOpen.wait { $0 ? () : nil } }
  }

  @Test func focusedWorkStartsBeforeBackgroundWorkQueuedEarlier() {
    let executor = EffectExecutor(threads: 1)
    defer { executor.shutDown() }
    let gate = Gate()
    let order = Locked([String]())
    @Sendable func record(_ name: String) {
      order.withLock { $0.append(name) }
      order.broadcast()
    }
    executor.submit(.focused) {
      gate.wait()
      record("first")
    }
    executor.submit(.background) { record("background") }
    executor.submit(.focused) { record("focused") }
    executor.submit(.focused) { record("focused 2") }
    gate.open()
    let seen = order.wait(deadline: Date() + 30) { $0.count == 4 ? $0 : nil }
    #expect(seen == ["first", "focused", "focused 2", "background"])
  }

  @Test func workRunsOnThreadsOfItsOwnAtOnce() {
    // Two pieces of work that each wait for the other finish only if both run at the same time.
    let executor = EffectExecutor(threads: 2)
    defer { executor.shutDown() }
    let arrived = Locked(0)
    for _ in 0..<2 {
      executor.submit(.focused) {
        arrived.withLock { $0 += 1 }
        arrived.broadcast()
        _ = arrived.wait(deadline: Date() + 30) { $0 >= 2 ? () : nil }
      }
    }
    let both = arrived.wait(deadline: Date() + 30) { $0 >= 2 ? $0 : nil }
    #expect(both == 2)
  }

  @Test func aCancelledFlagStaysCancelled() {
    let flag = CancellationFlag()
    #expect(!flag.isCancelled)
    flag.cancel()
    #expect(flag.isCancelled)
  }

  @Test func theInboxWakesItsWaiterWhenAResultIsPosted() {
    let inbox = Inbox()
    let wakes = Locked(0)
    inbox.onPost { wakes.withLock { $0 += 1 } }
    inbox.begin()
    let executor = EffectExecutor(threads: 1)
    defer { executor.shutDown() }
    executor.submit(.focused) {
      inbox.post(.start)
      inbox.end()
    }
    // No deadline: a waiter that missed the post would hang here, not pass late.
    #expect(inbox.wait(until: nil))
    #expect(inbox.takeAll().count == 1)
    // Once the work has ended, nothing waits: the wait returns, with nothing.
    #expect(!inbox.wait(until: nil))
    #expect(wakes.withLock { $0 } == 1)
  }
}
