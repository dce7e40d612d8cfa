import ArgumentParser
import Foundation
import Reporting
import TensorIO

/// `tscope layers MODEL [--json]`: every tensor with its dtype, shape, element count and file (SPEC §2).
struct LayersCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "layers",
    abstract: "List every tensor: name, dtype, shape, element count, file.",
    discussion: """
      MODEL is a .safetensors file, a folder or *.index.json of sharded safetensors, a .gguf, a .npy \
      or a .npz. Only headers are read.

      The table sorts names naturally, groups numbered blocks (model.layers.3, encoder.layer.0, ...) \
      under a heading with their parameter total, and ends with the type mix: tensors, parameters, \
      bytes and bits per weight per dtype (for a GGUF, per ggml type, as llama.cpp's quantize log \
      gives it), then each listed-only dtype with the reason it is not analysed. A GGUF tensor of a \
      type id ggml does not define is listed as "type N", never refused.

      --json prints one array, {"name","dtype","shape","count","file"} per tensor, in the model's \
      order: by data offset within a file (safetensors' offset_keys()), shards in file-name order.
      """)

  @Argument(help: "The model: .safetensors, a shard folder or *.index.json, .gguf, .npy or .npz.")
  var model: String

  @Flag(help: "Print a JSON array instead of the table.")
  var json = false

  func run() async throws {
    let opened = try Model.open(model)
    if json {
      Console.writeOutput(jsonText(opened) + "\n")
    } else {
      let onTerminal = Console.isTerminal(1)
      let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
      let table = LayerTable(bold: onTerminal && !noColor, times: Self.localeIsUTF8 ? "×" : "x")
      Console.writeOutput(table.render(opened, displayName: model))
    }
  }

  /// One object per tensor, in the model's order, fields as SPEC §2 lists them.
  private func jsonText(_ model: Model) -> String {
    var out = "["
    out.reserveCapacity(model.tensors.count * 128)
    for (position, info) in model.tensors.enumerated() {
      if position > 0 { out += "," }
      out += JSONText.object([
        ("name", JSONText.string(info.name)),
        ("dtype", JSONText.string(info.dtype.description)),
        ("shape", JSONText.array(info.displayShape.map(String.init))),
        ("count", String(info.count)),
        ("file", JSONText.string(info.file)),
      ])
    }
    return out + "]"
  }

  /// Whether the locale (LC_ALL, then LC_CTYPE, then LANG) asks for UTF-8.
  private static var localeIsUTF8: Bool {
    let environment = ProcessInfo.processInfo.environment
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
    return locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8")
  }
}
