import Dispatch
import Explorer
import Foundation
import Parallel

/// The interactive explorer: one loop on one thread owns the terminal. It reads a key (waiting
/// at most a few milliseconds), folds it and any finished background results into the state,
/// and redraws when something changed. Work never runs on this thread, so it never waits.
public enum TerminalApp {
  /// How long one wait for a key lasts: the latest a finished result waits before it is drawn.
  public static let pollMilliseconds: Int32 = 5

  /// Runs until `q`, Ctrl-C, SIGTERM, SIGINT or SIGHUP; the terminal is restored on every path.
  public static func run(
    session: Session, themes: ThemeLibrary, firstTheme: Theme, colorFlag: ColorMode?,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(TerminalAppError) {
    let glyphs: Glyphs = NcursesTerminal.isUTF8Locale ? .unicode : .ascii
    let requested = ColorMode.decide(flag: colorFlag, theme: firstTheme, environment: environment)
    let stop = SignalFlag(signals: [SIGTERM, SIGINT, SIGHUP])
    guard let terminal = NcursesTerminal(requested: requested) else {
      throw TerminalAppError(description: "cannot open the terminal (TERM=\(environment["TERM"] ?? "unset"))")
    }
    defer { terminal.close() }
    var cache: [String: Theme] = [firstTheme.name: firstTheme]
    func theme(for state: State) -> Theme {
      let name = state.themeName
      let chosen = cache[name] ?? (try? themes.load(name)) ?? .defaultDark
      cache[name] = chosen
      return terminal.mode == .mono ? chosen.monochrome() : chosen
    }
    session.send(.start)
    var dirty = true
    while !session.state.shouldQuit && !stop.isRaised {
      if dirty {
        terminal.draw(render(session.state, size: terminal.size, theme: theme(for: session.state), glyphs: glyphs))
        dirty = false
      }
      if let event = terminal.readKey(timeoutMilliseconds: pollMilliseconds) {
        switch event {
        case .key(let key): session.send(.key(key))
        case .resize: break
        }
        dirty = true
      }
      if session.absorbResults() { dirty = true }
    }
  }
}

/// The terminal could not be opened.
public struct TerminalAppError: Error, CustomStringConvertible {
  public let description: String
}

/// Raised when one of the signals arrives; the loop polls it and exits, restoring the terminal.
final class SignalFlag {
  private let raised = Locked(false)
  private let sources: [any DispatchSourceSignal]

  init(signals: [Int32]) {
    let raised = self.raised
    sources = signals.map { number in
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { raised.withLock { $0 = true } }
      source.resume()
      return source
    }
  }

  var isRaised: Bool { raised.withLock { $0 } }
}
