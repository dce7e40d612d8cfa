#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A terminal driven with plain ANSI escapes, for playing a demo to an audience: the alternate
/// screen with the cursor hidden, whole frames drawn by the ANSI row renderer that snapshots and
/// casts use, and the terminal restored on `close` and on SIGINT, SIGTERM, SIGHUP, SIGQUIT and
/// SIGPIPE (and on SIGBUS, through `TerminalFaultGuard`).
public final class AnsiTerminal {
  public let mode: ColorMode
  private var isOpen = true

  /// Enters the alternate screen and installs the restoring signal handlers.
  public init(mode: ColorMode) {
    self.mode = mode
    Self.emit("\u{1B}[?1049h\u{1B}[?25l")
    TerminalFaultGuard.terminalTaken(restore: "\u{1B}[?2026l\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l", modes: nil)
    for number in Self.restoringSignals {
      signal(number) { received in
        // Only async-signal-safe work: a static string (no allocation) through write(2), then _exit(2).
        let restore: StaticString = "\u{1B}[?2026l\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l"
        _ = write(1, restore.utf8Start, restore.utf8CodeUnitCount)
        _exit(128 + received)
      }
    }
  }

  deinit { close() }

  /// Draws `screen` over the previous frame; `clearing` first erases the screen (after a resize).
  /// In synchronized output (DEC private mode 2026), as the explorer's frames: a terminal that has
  /// it shows the frame once all of it has arrived.
  public func draw(_ screen: Screen, clearing: Bool = false) {
    Self.emit(
      "\u{1B}[?2026h" + (clearing ? "\u{1B}[0m\u{1B}[2J" : "") + screen.ansiFrame(mode: mode) + "\u{1B}[?2026l")
  }

  /// Leaves the alternate screen and shows the cursor again (idempotent).
  public func close() {
    guard isOpen else { return }
    isOpen = false
    Self.emit("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
    for number in Self.restoringSignals { signal(number, SIG_DFL) }
    TerminalFaultGuard.terminalReleased()
  }

  /// The signals whose handler restores the terminal and exits with 128 + the signal's number.
  private static let restoringSignals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE]

  /// The size of the terminal on standard output, or 80×24 when it is not a terminal.
  public static func size() -> TerminalSize {
    var window = winsize()
    guard ioctl(1, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else {
      return TerminalSize(width: 80, height: 24)
    }
    return TerminalSize(width: Int(window.ws_col), height: Int(window.ws_row))
  }

  private static func emit(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      if written <= 0 { return }
      bytes = bytes.dropFirst(written)
    }
  }
}
