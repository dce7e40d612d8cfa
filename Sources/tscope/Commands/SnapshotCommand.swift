import ArgumentParser
import Explorer
import Foundation
import TerminalUI

/// `tscope snapshot`: the explorer driven headless by keys; prints the final screen.
struct SnapshotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "snapshot",
    abstract: "Run the explorer headless on a key sequence and print the final screen.",
    discussion: """
      Keys are one character each, or a named key in angle brackets: <up> <down> <left> <right> \
      <enter> <esc> <tab> <space> (also <backspace> <pgup> <pgdn> <home> <end>). Every computation a \
      key starts finishes before the next key, and timings are left out, so the output is the same on \
      every run.
      """
  )

  @Argument(help: "The model (default: the bundled sample).")
  var model: String?

  @Option(help: "Keys to press, e.g. \"jjf<enter>\".")
  var keys = ""

  @Option(help: "Screen size WIDTHxHEIGHT (at least 40x12).")
  var size = "80x24"

  @Flag(help: "Print ANSI colours (in the --colors mode, truecolor by default).")
  var ansi = false

  @OptionGroup var view: ExplorerViewOptions

  func run() throws {
    let screenSize = try Self.parseSize(size)
    let pressed: [Key]
    do {
      pressed = try Key.sequence(keys)
    } catch {
      throw UsageError("--keys: \(error.description)")
    }
    let explorer = try HeadlessExplorer(model: model, view: view, showsTimings: false)
    for key in pressed where !explorer.press(key) { break }
    try explorer.checkFiles()
    let screen = explorer.screen(size: screenSize)
    Console.writeOutput(ansi ? screen.ansiText(mode: explorer.mode) : screen.plainText + "\n")
  }

  /// `100x30` → 100 by 30; at least the explorer's minimum size.
  static func parseSize(_ text: String) throws -> TerminalSize {
    let parts = text.lowercased().split(separator: "x")
    guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else {
      throw UsageError("--size \(text): expected WIDTHxHEIGHT, e.g. 100x30")
    }
    let minimum = TerminalSize.minimum
    guard width >= minimum.width, height >= minimum.height, width <= 1000, height <= 1000 else {
      throw UsageError(
        "--size \(text): the explorer needs at least \(minimum.width)x\(minimum.height) (and at most 1000x1000)")
    }
    return TerminalSize(width: width, height: height)
  }
}
