#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The last line of defence against a model file that shrinks while tscope reads it: a read
/// from a mapped page past the file's new end raises SIGBUS. The handler restores the terminal
/// when a terminal backend has taken it, writes one line and exits with status 2 — no core
/// dump, no stack trace. Tensor accesses check the file first (`Tensor.checkFileUnchanged`);
/// this only catches a truncation between that check and the read.
public enum TerminalFaultGuard {
  /// Installs the SIGBUS handler (once, at startup, for every command).
  public static func installMappedReadHandler() {
    // Globals initialise lazily: touch them here so the handler never runs an initialiser.
    _ = (FaultState.restore, FaultState.restoreCount, FaultState.modes, FaultState.hasModes)
    _ = FaultState.isTerminalTaken
    var action = sigaction()
    #if canImport(Darwin)
      action.__sigaction_u.__sa_handler = { _ in mappedReadFaulted() }
    #else
      action.__sigaction_handler.sa_handler = { _ in mappedReadFaulted() }
    #endif
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
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
}

/// The handler: only async-signal-safe calls (tcsetattr, write, _exit).
private func mappedReadFaulted() {
  if FaultState.isTerminalTaken {
    if FaultState.hasModes { _ = tcsetattr(STDIN_FILENO, TCSANOW, FaultState.modes) }
    _ = write(STDOUT_FILENO, FaultState.restore, FaultState.restoreCount)
  }
  let line: StaticString = "tscope: a model file changed on disk while being read (SIGBUS)\n"
  _ = write(STDERR_FILENO, line.utf8Start, line.utf8CodeUnitCount)
  _exit(2)
}
