import COpenBLAS
import Parallel

/// OpenBLAS's worker threads, which spin on a core each for about 0.1 s after OpenBLAS loads and
/// after every threaded call (see `tscope_openblas_stop_threads`).
public enum BLASThreads {
  /// Held through every BLAS call and stop: stopping the threads while another thread's call
  /// uses them would cut that call short.
  private static let calls = Locked(0)

  /// Stops them until the next BLAS call (at start-up).
  public static func stopSpinning() {
    calls.withLock { _ in tscope_openblas_stop_threads() }
  }

  /// Runs `body`, which makes BLAS calls, then stops the threads, with no other BLAS call between.
  public static func call<Result>(_ body: () -> Result) -> Result {
    calls.withLock { _ in
      let result = body()
      tscope_openblas_stop_threads()
      return result
    }
  }
}
