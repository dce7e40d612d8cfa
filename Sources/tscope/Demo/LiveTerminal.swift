import TerminalUI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The presenter's terminal during a live demo: the alternate screen with the cursor hidden,
/// restored on exit, Ctrl-C and SIGTERM.
enum LiveTerminal {
  static let restore = "\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l"

  static func enter() {
    Console.writeOutput("\u{1B}[?1049h\u{1B}[?25l")
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
      signal(signalNumber) { received in
        // Only async-signal-safe calls here: write(2) and _exit(2).
        let bytes: [UInt8] = Array("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l".utf8)
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        _exit(128 + received)
      }
    }
  }

  static func leave() { Console.writeOutput(restore) }

  /// The terminal's size, or 80×24 when stdout is not a terminal.
  static func size() -> TerminalSize {
    var window = winsize()
    guard ioctl(1, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else {
      return TerminalSize(width: 80, height: 24)
    }
    return TerminalSize(width: Int(window.ws_col), height: Int(window.ws_row))
  }
}
