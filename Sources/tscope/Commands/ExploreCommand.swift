import ArgumentParser
import Explorer
import TerminalUI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `tscope [MODEL]`: the interactive explorer.
struct ExploreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explore",
    abstract: "Browse a model's tensors: histograms, t fits, codebooks and live quantization error.",
    discussion: "With no MODEL, opens the bundled samples/sample.safetensors. Press ? inside for the keys."
  )

  @Argument(help: "A .safetensors file, a shard folder or *.index.json, a .gguf, .npy or .npz.")
  var model: String?

  @OptionGroup var view: ExplorerViewOptions

  func run() throws {
    // Everything that can fail on bad input fails here, before the screen opens.
    let (opened, name) = try ModelLocator.open(model)
    let themes = try view.loadTheme()
    let importance = try view.importanceMatrix(for: opened)
    let costs = try view.costTable()
    let shipped = try view.shippedModel(for: opened, named: name)
    guard isatty(0) == 1, isatty(1) == 1 else {
      throw UsageError("explore needs a terminal (for a text screen, use: tscope snapshot)")
    }
    let session = Session(
      model: opened, modelName: name, themeNames: themes.names, themeIndex: themes.index, importance: importance,
      costs: costs, against: shipped)
    // The loop blocks this thread (the main thread, not one of Swift's task threads) until quit.
    do {
      try TerminalApp.run(session: session, themes: themes.library, firstTheme: themes.theme, colorFlag: view.colors)
    } catch {
      throw WorkFailure(error.description)
    }
  }
}
