import ArgumentParser
import Formats
import Kernels

/// The options `quant`, `report` and `bench kernel` share: Kernels' `QuantizationSettings` (how
/// groups are scaled), and where user codebooks live.
struct QuantizationOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Group size: tensor, channel (or 0), or an element count.", valueName: "tensor|channel|N"))
  var group: GroupSize = .standard

  @Option(
    help: ArgumentHelp("Scale choice: absmax, or mse (the clip ratio with the least MSE).", valueName: "absmax|mse"))
  var scale: ScaleMode = .absmax

  @Option(help: "A TOML file of user codebooks (ids file:NAME).")
  var codebook: String?

  @Option(
    help: ArgumentHelp(
      "Bits of a codebook format's group scale in bpw (MXFP4/NVFP4 keep their standard's).", valueName: "bits"))
  var scaleBits: Int = BitsPerWeight.defaultScaleBits

  func validate() throws {
    guard (1...64).contains(scaleBits) else { throw ValidationError("--scale-bits must be 1 to 64, not \(scaleBits)") }
  }

  /// The settings every kernel run of the command uses.
  var settings: QuantizationSettings { QuantizationSettings(group: group, scale: scale) }

  /// Parses format ids, with this invocation's user codebooks.
  func specs(_ ids: [String]) throws -> [FormatSpec] {
    try FormatSelection.specs(ids, codebookFile: codebook)
  }
}
