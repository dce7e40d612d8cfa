import ArgumentParser
import Explorer
import Formats
import Foundation
import TensorIO
import TerminalUI

/// Options shared by the commands that show the explorer (`explore`, `snapshot`).
struct ExplorerViewOptions: ParsableArguments {
  @Option(help: "Theme name: a file NAME.toml or btop NAME.theme in ~/.config/tscope/themes or themes/.")
  var theme: String?

  @Option(help: "Colour mode: truecolor, 256, 8 or mono (default: from NO_COLOR, COLORTERM and TERM).")
  var colors: ColorMode?

  @Flag(help: "Draw with ASCII only (the default when the locale is not UTF-8).")
  var ascii = false

  @Option(
    help: ArgumentHelp(
      "A llama.cpp importance matrix (.gguf or legacy .dat): the error table adds the imatrix-weighted SQNR.",
      valueName: "file"))
  var imatrix: String?

  @Option(
    help: "A TOML file of hardware costs for the Pareto view (extends, or with replace = true replaces, the paper's).")
  var costs: String?

  @Option(
    help: ArgumentHelp(
      "A shipped (quantized) model made from MODEL (.gguf, or a quantized safetensors checkpoint): each tensor's table gains a 'shipped TYPE' row with the error the shipped values made, as tscope diff measures it.",
      valueName: "shipped"))
  var against: String?

  /// The shipped model of `--against`, paired with `model` by `tscope diff`'s rule before the
  /// screen opens: two models with no tensor in common are one line and exit 2, as in `diff`.
  func shippedModel(for model: Model, named name: String) throws -> Model? {
    guard let against else { return nil }
    let shipped = try Model.open(against)
    guard ShippedComparison(original: model, shipped: shipped).hasPairs else {
      throw UsageError(
        "\(against): no tensor to compare with \(name) (none matches by name, llama.cpp's name map and shape)")
    }
    return shipped
  }

  /// The hardware costs the Pareto view places formats by.
  func costTable() throws -> HardwareCostTable { try CostsOption.load(costs) }

  /// The importance matrix, checked against every tensor of `model` before the screen opens:
  /// a row length it disagrees with is one line and exit 2, as in `quant`.
  func importanceMatrix(for model: Model) throws -> ImportanceMatrix? {
    guard let imatrix else { return nil }
    let matrix = try ImportanceMatrix.read(imatrix)
    for info in model.tensors where info.dtype.isAnalysable { _ = try matrix.weights(for: info) }
    return matrix
  }

  /// The theme named by `--theme` (or `default`), with every theme name for `t` to cycle.
  func loadTheme() throws -> (theme: Theme, library: ThemeLibrary, names: [String], index: Int) {
    let library = ThemeLibrary.standard()
    let name = theme ?? "default"
    let chosen: Theme
    do {
      chosen = try library.load(name)
    } catch {
      throw UsageError("theme \(error.description)")
    }
    var names = library.names()
    if !names.contains(name) { names.append(name) }
    return (chosen, library, names, names.firstIndex(of: name) ?? 0)
  }
}

extension ColorMode: ExpressibleByArgument {}

/// Finds the model to open: the path given, else the bundled sample.
enum ModelLocator {
  static let samplePath = "samples/sample.safetensors"

  /// Opens `path`, or the bundled sample when `path` is nil: `$TSCOPE_SAMPLE`, then
  /// `samples/sample.safetensors` beside the executable (or up to three folders above it,
  /// where a SwiftPM build keeps it), under `$TSCOPE_HOME`, or in the current folder.
  static func open(_ path: String?) throws -> (model: Model, name: String) {
    let resolved: String
    if let path {
      resolved = path
    } else if let sample = ProcessInfo.processInfo.environment["TSCOPE_SAMPLE"], !sample.isEmpty {
      resolved = sample
    } else if let found = ResourceLocator.find(samplePath) {
      resolved = found
    } else {
      throw UsageError(
        "no MODEL given and the bundled \(samplePath) was not found (set TSCOPE_HOME to the tscope folder or pass a MODEL)"
      )
    }
    let model = try Model.open(resolved)
    return (model, (resolved as NSString).lastPathComponent)
  }
}
