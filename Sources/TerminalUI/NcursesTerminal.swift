import CNcurses
import Explorer
import Foundation

/// The thin ncursesw backend: draws `Screen`s (only the cells that changed since the last
/// frame), waits for input with `poll(2)`, reads keys, and restores the terminal on every way out.
/// Only the UI loop's thread may use it (ncurses is not thread-safe).
final class NcursesTerminal {
  private(set) var size: TerminalSize
  let mode: ColorMode
  private var previous: Screen?
  private var pairs: [PairKey: Int16] = [:]
  private var isOpen = true
  /// The standard screen (from `initscr`; the `window` global is not concurrency-safe to read).
  // An opaque handle owned by ncurses; it is only passed back to ncurses, never dereferenced here.
  private let window: UnsafeMutablePointer<WINDOW>

  private struct PairKey: Hashable {
    let foreground: Int16
    let background: Int16
  }

  // ncurses' attribute bits (NCURSES_BITS(1, n) = 1 << (n + 8)): the macros do not import into Swift.
  private static let bold = attr_t(1) << (13 + 8)
  private static let underline = attr_t(1) << (9 + 8)
  private static let reverse = attr_t(1) << (10 + 8)

  /// Opens the terminal (alternate screen, no echo, keys unbuffered, cursor hidden).
  /// `requested` is the decided colour mode; it is lowered to what the terminal can show.
  init?(requested: ColorMode) {
    setlocale(LC_ALL, "")
    // Take the size from the terminal, never from LINES/COLUMNS: a stale exported value would
    // otherwise pin the screen to it and resizes would be ignored.
    use_env(false)
    var modes = termios()
    let hasModes = tcgetattr(STDIN_FILENO, &modes) == 0
    guard let window = initscr() else { return nil }
    self.window = window
    // What a SIGBUS handler writes to give the terminal back (endwin is not async-signal-safe):
    // any synchronized frame ended, attributes off, cursor shown, keypad mode off, the main screen again.
    TerminalFaultGuard.terminalTaken(
      restore: "\u{1B}[?2026l\u{1B}[0m\u{1B}[?25h\u{1B}[?1l\u{1B}>\u{1B}[?1049l", modes: hasModes ? modes : nil)
    raw()  // Ctrl-C arrives as a key, so the loop can quit cleanly.
    noecho()
    nonl()
    keypad(window, true)
    set_escdelay(25)
    curs_set(0)
    // ncurses 6.4 flushes its output after every cursor move until the screen has once been left
    // and resumed (`_nc_mvcur` while `_endwin == ewInitial`), so a frame went out in some 65 small
    // writes, and a terminal could show it half drawn. Leaving and resuming once here (with the
    // modes above kept) lets a frame go out in a few buffer-sized writes.
    endwin()
    wrefresh(window)
    var mode = requested
    if mode != .mono && has_colors() {
      start_color()
      use_default_colors()
      if mode == .truecolor || mode == .color256 { mode = tigetnum("colors") >= 256 ? .color256 : .color8 }
    } else {
      mode = .mono
    }
    self.mode = mode
    size = TerminalSize(width: Int(getmaxx(window)), height: Int(getmaxy(window)))
  }

  /// Whether this locale can show braille and box drawing.
  static var isUTF8Locale: Bool {
    setlocale(LC_ALL, "")
    guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
    let name = String(cString: codeset).uppercased()
    return name == "UTF-8" || name == "UTF8"
  }

  /// Leaves curses mode and restores the terminal (idempotent).
  func close() {
    guard isOpen else { return }
    isOpen = false
    curs_set(1)
    endwin()
    TerminalFaultGuard.terminalReleased()
  }

  deinit { close() }

  /// Sleeps until a key waits on standard input or `descriptor` is readable, at most
  /// `milliseconds`; true when input waits. Read the keys with `readKey` until it returns nil.
  func waitForInput(alsoWatching descriptor: Int32, timeoutMilliseconds milliseconds: Int32) -> Bool {
    var watched = [
      pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
      pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
    ]
    guard poll(&watched, nfds_t(watched.count), milliseconds) > 0 else { return false }
    return watched[0].revents != 0
  }

  /// Reads one key without waiting; nil when none is left (ncurses' own buffer included).
  /// A key the explorer has no use for comes back as `.ignored`, so the caller reads on.
  func readKey() -> TerminalEvent? {
    wtimeout(window, 0)
    var character: wint_t = 0
    let status = wget_wch(window, &character)
    if status == ERR { return nil }
    if status == KEY_CODE_YES {
      switch Int32(character) {
      case KEY_RESIZE:
        size = TerminalSize(width: Int(getmaxx(window)), height: Int(getmaxy(window)))
        previous = nil
        return .resize(size)
      case KEY_UP: return .key(.up)
      case KEY_DOWN: return .key(.down)
      case KEY_LEFT: return .key(.left)
      case KEY_RIGHT: return .key(.right)
      case KEY_ENTER: return .key(.enter)
      case KEY_BACKSPACE: return .key(.backspace)
      case KEY_NPAGE: return .key(.pageDown)
      case KEY_PPAGE: return .key(.pageUp)
      case KEY_HOME: return .key(.home)
      case KEY_END: return .key(.end)
      case KEY_BTAB: return .key(.tab)
      default: return .ignored
      }
    }
    switch character {
    case 3: return .key(.interrupt)
    case 9: return .key(.tab)
    case 10, 13: return .key(.enter)
    case 27: return .key(.escape)
    case 32: return .key(.space)
    case 8, 127: return .key(.backspace)
    default:
      guard let scalar = Unicode.Scalar(UInt32(character)), scalar.value >= 32 else { return .ignored }
      return .key(.character(Character(scalar)))
    }
  }

  /// The terminal's size as the kernel reports it, when it differs from the last one seen.
  /// The loop's own SIGWINCH handler wakes it to ask (ncurses' handler is replaced: in a
  /// multi-threaded process the signal may arrive on a thread ncurses does not watch).
  func checkSize() -> TerminalSize? {
    var size = winsize()
    guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else { return nil }
    let current = TerminalSize(width: Int(size.ws_col), height: Int(size.ws_row))
    guard current != self.size else { return nil }
    resizeterm(Int32(size.ws_row), Int32(size.ws_col))
    self.size = current
    previous = nil
    return current
  }

  /// Draws `screen`, writing only the runs of cells that differ from the previous frame.
  func draw(_ screen: Screen) {
    if previous?.width != screen.width || previous?.height != screen.height {
      previous = nil
      wclear(window)
    }
    for row in 0..<screen.height {
      var column = 0
      while column < screen.width {
        if let previous, previous[column, row] == screen[column, row] {
          column += 1
          continue
        }
        // A run of changed cells with one style.
        let style = screen[column, row].style
        var end = column
        var text: [wchar_t] = []
        while end < screen.width, screen[end, row].style == style,
          previous == nil || previous![end, row] != screen[end, row]
        {
          // A wide character's right half: the terminal already advanced over it.
          if !screen[end, row].isContinuation {
            for scalar in screen[end, row].character.unicodeScalars { text.append(wchar_t(bitPattern: scalar.value)) }
          }
          end += 1
        }
        text.append(0)
        apply(style)
        // At the bottom-right cell ncurses reports ERR (the cursor cannot advance) but still
        // draws the character (it inserts it when the terminal has auto margins).
        _ = mvwaddwstr(window, Int32(row), Int32(column), text)
        column = end
      }
    }
    // Synchronized output (DEC private mode 2026): a terminal that has it shows the frame only
    // once the whole of it has arrived, never half drawn; others ignore the mode. Both marks are
    // written straight to the descriptor, between ncurses' writes: doupdate flushes its buffer
    // before it returns (`putp` would not do: it goes through stdio's buffer, out of order).
    Self.writeToTerminal(Self.beginFrame)
    wnoutrefresh(window)
    doupdate()
    Self.writeToTerminal(Self.endFrame)
    previous = screen
  }

  private static let beginFrame: StaticString = "\u{1B}[?2026h"
  private static let endFrame: StaticString = "\u{1B}[?2026l"

  private static func writeToTerminal(_ text: StaticString) {
    text.withUTF8Buffer { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
  }

  private func apply(_ style: Style) {
    var attributes: attr_t = 0
    if style.bold { attributes |= Self.bold }
    if style.underline { attributes |= Self.underline }
    if style.reverse { attributes |= Self.reverse }
    let pair = mode == .mono ? 0 : pairNumber(style)
    wattr_set(window, attributes, pair, nil)
  }

  private func pairNumber(_ style: Style) -> Int16 {
    let key = PairKey(foreground: colorNumber(style.foreground), background: colorNumber(style.background))
    if key.foreground == -1 && key.background == -1 { return 0 }
    if let pair = pairs[key] { return pair }
    let next = Int16(pairs.count + 1)
    guard Int32(next) < min(tigetnum("pairs"), 32767) else { return 0 }
    init_pair(next, key.foreground, key.background)
    pairs[key] = next
    return next
  }

  private func colorNumber(_ color: Color) -> Int16 {
    guard case .rgb(let r, let g, let b) = color else { return -1 }
    switch mode {
    case .color8: return Int16(ColorMode.index8(r, g, b).index)
    case .mono: return -1
    default: return Int16(ColorMode.index256(r, g, b))
    }
  }
}

/// What the terminal reports to the loop.
enum TerminalEvent {
  case key(Explorer.Key)
  case resize(TerminalSize)
  /// A key or code the explorer does not use.
  case ignored
}
