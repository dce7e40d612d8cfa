import ArgumentParser
import Formats
import Kernels

/// The options `quant` and `report` share: how groups are scaled, and where user codebooks live.
struct QuantizationOptions: ParsableArguments {
  @Option(help: "Group size: tensor, channel (or 0), or an element count.")
  var group = "128"

  @Option(help: "Scale choice: absmax, or mse (the clip ratio with the least MSE).")
  var scale = "absmax"

  @Option(help: "A TOML file of user codebooks (ids file:NAME).")
  var codebook: String?

  /// The parsed group and scale (one `UsageError` line when either is bad).
  func settings() throws -> QuantizationSettings {
    guard let scaleMode = ScaleMode(rawValue: scale) else {
      throw UsageError("--scale must be absmax or mse, not '\(scale)'")
    }
    return QuantizationSettings(group: try FormatSelection.group(group), scale: scaleMode)
  }

  /// Parses format ids, with this invocation's user codebooks.
  func specs(_ ids: [String]) throws -> [FormatSpec] {
    try FormatSelection.specs(ids, codebookFile: codebook)
  }
}
