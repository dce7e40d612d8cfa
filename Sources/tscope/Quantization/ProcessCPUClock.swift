#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// CPU time (user + system, all threads) this process has used: benchmarks report it next to
/// wall time, since wall time on a shared machine also counts the time other processes ran.
enum ProcessCPUClock {
  /// Seconds of CPU time used so far.
  static func seconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}
