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
    func play(_ output: inout some DemoOutput, _ size: TerminalSize) {
      DemoPlayback.play(keyScript, size: size, to: &output, press: explorer.press, screen: explorer.screen)
    }
    guard let cast else {
      var terminal = AnsiTerminal(mode: explorer.mode)
      defer { terminal.close() }
      play(&terminal, requested ?? AnsiTerminal.size())
      terminal.close()
      try explorer.checkFiles()
      return
    }
    let size = requested ?? TerminalSize(width: 80, height: 24)
    var recorder = AsciicastRecorder(
      size: size, title: "tscope demo: \((script as NSString).lastPathComponent)",
      timestamp: Int(Date().timeIntervalSince1970), mode: explorer.mode)
    play(&recorder, size)
    try explorer.checkFiles()
    do {
      try recorder.text.write(toFile: cast, atomically: true, encoding: .utf8)
    } catch {
      throw UsageError("\(cast): cannot write the cast (\(error.localizedDescription))")
    }
  }
}
