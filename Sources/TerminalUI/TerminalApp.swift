import Explorer
import Foundation
import Parallel

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The interactive explorer: one loop on the calling thread owns the terminal. It sleeps in
/// `poll(2)` until a key, a finished background result or a signal arrives (results and signals
/// wake it through a pipe), folds what came into the state, and redraws when something changed.
/// Work never runs on this thread, so it never waits for work.
public enum TerminalApp {
  /// The longest the loop sleeps before it asks the terminal for its size anyway: resizes wake it
  /// at once through SIGWINCH; this only catches one whose signal was lost.
  public static let sizeCheckMilliseconds: Int32 = 250

  /// The signals that end the loop (forwarded through the wake pipe, so the terminal is
  /// restored by the normal way out).
  static let quittingSignals = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE]

  /// Runs until `q`, Ctrl-C, SIGTERM, SIGINT, SIGHUP, SIGQUIT or SIGPIPE; the terminal is restored
  /// on every path (on SIGBUS by `TerminalFaultGuard`'s handler).
  /// Blocks the calling thread (call it from a thread of its own, not from a Swift task).
  public static func run(
    session: Session, themes: ThemeLibrary, firstTheme: Theme, colorFlag: ColorMode?,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(TerminalAppError) {
    let glyphs: Glyphs = NcursesTerminal.isUTF8Locale ? .unicode : .ascii
    let requested = ColorMode.decide(flag: colorFlag, theme: firstTheme, environment: environment)
    guard let wake = WakePipe() else { throw TerminalAppError(description: "cannot create a pipe") }
    defer { wake.close() }
    guard let terminal = NcursesTerminal(requested: requested) else {
      throw TerminalAppError(description: "cannot open the terminal (TERM=\(environment["TERM"] ?? "unset"))")
    }
    defer { terminal.close() }
    // Installed after ncurses started, so this SIGWINCH handler replaces the one ncurses installs.
    let signals = SignalForwarding(signals: quittingSignals + [SIGWINCH], to: wake)
    defer { signals.restore() }
    session.scheduler.onResult { wake.post(WakePipe.resultByte) }
    // Work may still post after the loop ends: it must not write to the closed pipe.
    defer { session.scheduler.onResult(nil) }

    var cache: [String: Theme] = [firstTheme.name: firstTheme]
    func theme(for state: State) -> Theme {
      let name = state.themeName
      let chosen = cache[name] ?? (try? themes.load(name)) ?? .defaultDark
      cache[name] = chosen
      return terminal.mode == .mono ? chosen.monochrome() : chosen
    }
    session.send(.start)
    var dirty = true
    while !session.state.shouldQuit {
      if dirty {
        terminal.draw(render(session.state, size: terminal.size, theme: theme(for: session.state), glyphs: glyphs))
        dirty = false
      }
      let hasInput = terminal.waitForInput(alsoWatching: wake.readEnd, timeoutMilliseconds: sizeCheckMilliseconds)
      let woken = wake.drain()
      if woken.contains(where: { quittingSignals.contains(Int32($0)) }) { return }
      if terminal.checkSize() != nil { dirty = true }
      if hasInput {
        // Every key ncurses has read: none may stay in its buffer, where `poll` cannot see it.
        while let event = terminal.readKey() {
          switch event {
          case .key(let key): session.send(.key(key))
          case .resize: break
          case .ignored: continue
          }
          dirty = true
        }
      }
      if session.absorbResults() { dirty = true }
    }
  }
}

/// The terminal could not be opened.
public struct TerminalAppError: Error, CustomStringConvertible {
  public let description: String
}

/// A pipe that wakes the loop: worker threads write a byte when they post a result, signal
/// handlers write the signal's number. Both ends are non-blocking, so a writer never waits.
final class WakePipe: Sendable {
  /// The byte a posted result writes (no signal has number 0).
  static let resultByte: UInt8 = 0

  let readEnd: Int32
  let writeEnd: Int32

  init?() {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { return nil }
    readEnd = ends[0]
    writeEnd = ends[1]
    for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
  }

  /// Wakes the reader. A full pipe drops the byte: the reader is awake then anyway.
  func post(_ byte: UInt8) {
    var byte = byte
    _ = write(writeEnd, &byte, 1)
  }

  /// Every byte written since the last call.
  func drain() -> [UInt8] {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 256)
    while true {
      let count = read(readEnd, &buffer, buffer.count)
      if count <= 0 { return bytes }
      bytes += buffer[..<count]
    }
  }

  func close() {
    closeDescriptor(readEnd)
    closeDescriptor(writeEnd)
  }
}

/// Signal handlers that write the signal's number to a `WakePipe` (write(2) is async-signal-safe;
/// nothing else runs in the handler), restored to the previous ones by `restore`.
struct SignalForwarding {
  private let previous: [(signal: Int32, handler: (@convention(c) (Int32) -> Void)?)]

  init(signals: [Int32], to pipe: WakePipe) {
    signalWakeDescriptor = pipe.writeEnd
    previous = signals.map { number in
      (number, signal(number) { number in forwardSignal(number) })
    }
  }

  func restore() {
    for (number, handler) in previous { signal(number, handler) }
    signalWakeDescriptor = -1
  }
}

/// The pipe the signal handlers write to. A C-style global because a handler cannot capture
/// context; it is set before the handlers are installed (so its one-time initialisation is done
/// before a handler reads it) and reset after they are removed.
nonisolated(unsafe) private var signalWakeDescriptor: Int32 = -1

/// The handler: one write(2) of the signal's number, errno kept for the interrupted code.
private func forwardSignal(_ number: Int32) {
  let savedErrno = errno
  var byte = UInt8(truncatingIfNeeded: number)
  _ = write(signalWakeDescriptor, &byte, 1)
  errno = savedErrno
}

private func closeDescriptor(_ descriptor: Int32) { _ = close(descriptor) }
