import Explorer
import TerminalUI

/// The explorer without a terminal: a session fed keys, rendered to screens on demand.
/// `snapshot` and `demo` share it, so a demo's last frame is exactly what `snapshot` prints.
struct HeadlessExplorer {
  let session: Session
  let themes: (theme: Theme, library: ThemeLibrary, names: [String], index: Int)
  let mode: ColorMode
  let glyphs: Glyphs

  /// Opens the model (the bundled sample when nil) and starts the session.
  /// `showsTimings: false` leaves recompute times out of the status line, so output is the same every run.
  init(model: String?, view: ExplorerViewOptions, showsTimings: Bool) throws {
    let (opened, name) = try ModelLocator.open(model)
    themes = try view.loadTheme()
    session = Session(
      model: opened, modelName: name, themeNames: themes.names, themeIndex: themes.index, showsTimings: showsTimings,
      importance: try view.importanceMatrix(for: opened), costs: try view.costTable(),
      against: try view.shippedModel(for: opened, named: name))
    mode = view.colors ?? (themes.theme.isMonochrome ? .mono : .truecolor)
    glyphs = view.ascii ? .ascii : .unicode
    session.send(.start)
    session.settle()
  }

  /// Presses `key` and waits until every computation it started has finished (deterministic output).
  /// Returns false once the explorer wants to quit.
  func press(_ key: Key) -> Bool {
    session.send(.key(key))
    session.settle()
    return !session.state.shouldQuit
  }

  /// Throws the one line naming a model file that changed on disk while the session ran: a
  /// snapshot or demo of a changed file is not what the user asked for (exit status 2).
  func checkFiles() throws {
    if let problem = session.state.fileProblem { throw UsageError(problem) }
  }

  /// The current screen at `size`.
  func screen(size: TerminalSize) -> Screen {
    // `t` may have moved on to another theme; a broken one there falls back to the default.
    var theme =
      session.state.themeIndex == themes.index
      ? themes.theme : ((try? themes.library.load(session.state.themeName)) ?? .defaultDark)
    if mode == .mono { theme = theme.monochrome() }
    return render(session.state, size: size, theme: theme, glyphs: glyphs)
  }
}
