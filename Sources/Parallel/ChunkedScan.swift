import Foundation
import TensorIO

/// A reduction over a tensor's elements, decoded to Float32 chunk by chunk, on all cores.
///
/// Each worker takes one contiguous run of chunks and owns its state; the states come back in
/// worker order for the caller to merge, so results do not depend on scheduling.
public enum ChunkedScan {
  /// 16 Ki floats (64 KiB): a chunk and its decode buffer stay in L2.
  public static let chunkLength = 1 << 14

  /// Calls `accumulate(&state, chunk, firstIndex)` for every chunk (at most `chunkLength`
  /// values); throws `Cancelled` when `isCancelled` turns true (checked once per chunk).
  public static func reduce<State: Sendable>(
    _ tensor: Tensor, isCancelled: @Sendable () -> Bool, makeState: @Sendable () -> State,
    accumulate: @Sendable (inout State, UnsafeBufferPointer<Float>, Int) -> Void
  ) throws(Cancelled) -> [State] {
    let count = tensor.count
    let chunks = (count + chunkLength - 1) / chunkLength
    // Small tensors: one worker, since starting threads costs more than the work.
    let workers = count < 1 << 20 ? 1 : min(WorkerPool.allCores, chunks)
    let slots = ResultSlots<State>(count: workers)
    withoutActuallyEscaping(makeState) { makeState in
      withoutActuallyEscaping(accumulate) { accumulate in
        withoutActuallyEscaping(isCancelled) { isCancelled in
          let scanPart: @Sendable (Int) -> Void = { worker in
            var state = makeState()
            var buffer = [Float](repeating: 0, count: chunkLength)
            let first = chunks * worker / workers
            let last = chunks * (worker + 1) / workers
            for chunk in first..<last {
              // A cancelled worker leaves its slot empty.
              if isCancelled() { return }
              let start = chunk * chunkLength
              let end = min(count, start + chunkLength)
              buffer.withUnsafeMutableBufferPointer { whole in
                // `whole` has chunkLength ≥ end − start elements, so the rebased slice is in bounds.
                let part = UnsafeMutableBufferPointer(rebasing: whole[0..<(end - start)])
                tensor.decode(start..<end, into: part)
                accumulate(&state, UnsafeBufferPointer(part), start)
              }
            }
            slots.store(state, at: worker)
          }
          WorkerPool.run(count: workers, threads: workers, scanPart)
        }
      }
    }
    guard let states = slots.results() else { throw Cancelled() }
    return states
  }
}
