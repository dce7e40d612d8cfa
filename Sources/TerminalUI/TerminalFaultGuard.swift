import TensorIO

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The last line of defence against a model file that shrinks while tscope reads it: a read
/// from a mapped page past the file's new end raises SIGBUS. The handler restores the terminal
/// when a terminal backend has taken it, writes one line naming the file whose map holds the
/// faulting address (looked up in TensorIO's `MappedRanges`) and exits with status 2 — no core
/// dump, no stack trace. Tensor accesses check the file first (`Tensor.checkFileUnchanged`);
/// this only catches a truncation between that check and the read.
public enum TerminalFaultGuard {
  /// Installs the SIGBUS handler (once, at startup, for every command).
  public static func installMappedReadHandler() {
    // Globals initialise lazily: touch them here so the handler never runs an initialiser.
    _ = (FaultState.restore, FaultState.restoreCount, FaultState.modes, FaultState.hasModes)
    _ = (FaultState.isTerminalTaken, FaultState.token)
    MappedRanges.prepare()
    // The token: one byte in a pipe that only the first faulting thread can read.
    var ends: [Int32] = [-1, -1]
    if pipe(&ends) == 0 {
      _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
      _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
      var byte: UInt8 = 1
      if write(ends[1], &byte, 1) == 1 { FaultState.token = ends[0] } else { close(ends[0]) }
      close(ends[1])
    }
    var action = sigaction()
    #if canImport(Darwin)
      action.__sigaction_u.__sa_sigaction = { _, info, _ in mappedReadFaulted(info) }
    #else
      action.__sigaction_handler.sa_sigaction = { _, info, _ in mappedReadFaulted(info) }
    #endif
    sigemptyset(&action.sa_mask)
    action.sa_flags = SA_SIGINFO
    sigaction(SIGBUS, &action, nil)
  }

  /// Records how to give the terminal back (called by a backend that takes it): `restore` is
  /// written to standard output, and `modes` (the terminal's settings before it was taken, nil
  /// to leave them) are set again on standard input. Copied into buffers the handler may read.
  static func terminalTaken(restore: String, modes: termios?) {
    let restore = Array(restore.utf8)
    let count = min(restore.count, FaultState.restoreCapacity)
    for index in 0..<count { FaultState.restore[index] = restore[index] }
    FaultState.restoreCount = count
    if let modes { FaultState.modes.pointee = modes }
    FaultState.hasModes = modes != nil
    FaultState.isTerminalTaken = true
  }

  /// The terminal was given back: the handler leaves it alone again.
  static func terminalReleased() {
    FaultState.isTerminalTaken = false
  }
}

/// What the handler reads. C-style globals because a handler cannot capture context; they are
/// written only on the UI thread while no fault can be handled concurrently with that write
/// mattering (a torn write would at worst skip part of the restore), and the buffers are
/// allocated once and never freed, so the handler never allocates or follows a dangling pointer.
private enum FaultState {
  static let restoreCapacity = 256
  nonisolated(unsafe) static let restore = UnsafeMutablePointer<UInt8>.allocate(capacity: restoreCapacity)
  nonisolated(unsafe) static var restoreCount = 0
  nonisolated(unsafe) static let modes = UnsafeMutablePointer<termios>.allocate(capacity: 1)
  nonisolated(unsafe) static var hasModes = false
  nonisolated(unsafe) static var isTerminalTaken = false
  /// The read end of a pipe holding one byte (-1: none): several worker threads can fault at
  /// once, and the one whose `read(2)` gets the byte writes the line while the others wait for
  /// its `_exit` (a lock a signal handler may take: `read` is async-signal-safe and atomic).
  nonisolated(unsafe) static var token: Int32 = -1
}

/// The handler: only async-signal-safe calls (tcsetattr, write, _exit) and plain reads of
/// preallocated memory (`MappedRanges.name(containing:)`). One line on stderr:
/// - the address is in a mapped model file: `tscope: FILE: changed on disk while being read (SIGBUS)`;
/// - it is in none, but some map went unrecorded (the table was full): the line without a name;
/// - the signal was sent by a process (`kill`), or the address is in no model file at all (a
///   fault tscope caused itself): a line that says so.
private func mappedReadFaulted(_ info: UnsafeMutablePointer<siginfo_t>?) {
  if FaultState.token >= 0 {
    var byte: UInt8 = 0
    // Another thread got here first: it writes the one line and ends the process.
    if read(FaultState.token, &byte, 1) != 1 {
      while true { pause() }
    }
  }
  if FaultState.isTerminalTaken {
    if FaultState.hasModes { _ = tcsetattr(STDIN_FILENO, TCSANOW, FaultState.modes) }
    _ = write(STDOUT_FILENO, FaultState.restore, FaultState.restoreCount)
  }
  func say(_ text: StaticString) { _ = write(STDERR_FILENO, text.utf8Start, text.utf8CodeUnitCount) }
  guard let info else {
    say("tscope: a model file changed on disk while being read (SIGBUS)\n")
    _exit(2)
  }
  #if canImport(Darwin)
    let isSent = info.pointee.si_code == SI_USER || info.pointee.si_code == SI_QUEUE
    let address = UnsafeRawPointer(info.pointee.si_addr)
  #else
    // SI_USER, SI_QUEUE, SI_TKILL, …: every code a process sends is ≤ 0 on Linux.
    let isSent = info.pointee.si_code <= 0
    let address = UnsafeRawPointer(info.pointee._sifields._sigfault.si_addr)
  #endif
  if isSent {
    say("tscope: stopped by a SIGBUS sent by another process\n")
  } else if let name = MappedRanges.name(containing: address) {
    say("tscope: ")
    _ = write(STDERR_FILENO, name.baseAddress, name.count)
    say(": changed on disk while being read (SIGBUS)\n")
  } else if MappedRanges.hasUnrecordedMaps {
    say("tscope: a model file changed on disk while being read (SIGBUS)\n")
  } else {
    say("tscope: internal error: a bus error (SIGBUS) outside every mapped model file\n")
  }
  _exit(2)
}
