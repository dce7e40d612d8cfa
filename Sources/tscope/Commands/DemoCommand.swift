import ArgumentParser
import Explorer
import Foundation
import TerminalUI

/// `tscope demo --script FILE`: plays a key script live for a presenter, or records it as asciicast v2.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Play a key script in the explorer, live or recorded as an asciicast v2 file.",
    discussion: """
      A script has one step a line: `key j` (or a name: up down left right enter esc tab space), \
      `keys jjf<enter>`, `type /query`, `wait 0.4`, `resize 100x30`, `# comment`. Live, each key is \
      drawn after the work it starts has finished, with a short typing pause; --cast writes the same \
      frames with those times to a file asciinema plays (`asciinema play OUT.cast`).
      """)

  /// The pause after each key, as a person typing would leave.
  static let keyPause = 0.35

  @Argument(help: "The model (default: the bundled sample).")
  var model: String?

  @Option(help: "The key script to play (see samples/tour.keys).")
  var script: String

  @Option(help: "Record to this asciicast v2 file instead of playing live.")
  var cast: String?

  @Option(help: "Screen size WIDTHxHEIGHT (default: 80x24 for a cast, the terminal's size live).")
  var size: String?

  @OptionGroup var view: ExplorerViewOptions

  func run() throws {
    guard let text = try? String(contentsOfFile: script, encoding: .utf8) else {
      throw UsageError("\(script): cannot read the key script")
    }
    let keyScript: KeyScript
    do {
      keyScript = try KeyScript.parse(text)
    } catch {
      throw UsageError("\(script): \(error.description)")
    }
    let requested = try size.map(SnapshotCommand.parseSize)
    // A recording is the same every time it is made; a live demo shows real recompute times.
    let explorer = try HeadlessExplorer(model: model, view: view, showsTimings: cast == nil)
    if let cast {
      try record(keyScript, explorer: explorer, size: requested ?? TerminalSize(width: 80, height: 24), to: cast)
    } else {
      playLive(keyScript, explorer: explorer, size: requested ?? AnsiTerminal.size())
    }
  }

  /// Writes the cast: virtual time advances by the typing pause per key and by each `wait`.
  private func record(_ keyScript: KeyScript, explorer: HeadlessExplorer, size: TerminalSize, to path: String) throws {
    var size = size
    var clock = 0.0
    var recording = Asciicast(
      width: size.width, height: size.height, title: "tscope demo: \((script as NSString).lastPathComponent)",
      timestamp: Int(Date().timeIntervalSince1970))
    recording.output("\u{1B}[2J" + explorer.screen(size: size).ansiFrame(mode: explorer.mode), at: clock)
    playback: for (_, step) in keyScript.steps {
      switch step {
      case .keys(let keys):
        for key in keys {
          clock += Self.keyPause
          let running = explorer.press(key)
          recording.output(explorer.screen(size: size).ansiFrame(mode: explorer.mode), at: clock)
          if !running { break playback }
        }
      case .wait(let seconds):
        clock += seconds
      case .resize(let width, let height):
        clock += Self.keyPause
        size = TerminalSize(width: width, height: height)
        recording.resize(width: width, height: height, at: clock)
        recording.output("\u{1B}[2J" + explorer.screen(size: size).ansiFrame(mode: explorer.mode), at: clock)
      }
    }
    recording.output("\u{1B}[0m\u{1B}[?25h", at: clock + Self.keyPause)
    do {
      try recording.text.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
      throw UsageError("\(path): cannot write the cast (\(error.localizedDescription))")
    }
  }

  private func playLive(_ keyScript: KeyScript, explorer: HeadlessExplorer, size: TerminalSize) {
    var size = size
    let terminal = AnsiTerminal(mode: explorer.mode)
    defer { terminal.close() }
    terminal.draw(explorer.screen(size: size), clearing: true)
    playback: for (_, step) in keyScript.steps {
      switch step {
      case .keys(let keys):
        for key in keys {
          Thread.sleep(forTimeInterval: Self.keyPause)
          let running = explorer.press(key)
          terminal.draw(explorer.screen(size: size))
          if !running { break playback }
        }
      case .wait(let seconds):
        Thread.sleep(forTimeInterval: seconds)
      case .resize(let width, let height):
        size = TerminalSize(width: width, height: height)
        terminal.draw(explorer.screen(size: size), clearing: true)
      }
    }
    Thread.sleep(forTimeInterval: Self.keyPause)
  }
}
