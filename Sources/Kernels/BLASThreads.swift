import COpenBLAS

/// OpenBLAS's worker threads, which spin on a core each for about 0.1 s after OpenBLAS loads and
/// after every threaded call (see `tscope_openblas_stop_threads`).
public enum BLASThreads {
  /// Stops them until the next BLAS call: at start-up, and after each matrix product.
  public static func stopSpinning() {
    tscope_openblas_stop_threads()
  }
}
