import ArgumentParser
import Formats
import TensorIO

/// The options `quant` and `report` share for the error that matters beyond the weights':
/// an importance matrix (`--imatrix`) and activation samples (`--activations`).
struct ErrorWeightingOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "A llama.cpp importance matrix (llama-imatrix's .gguf or legacy .dat): adds imatrix_sqnr_db.",
      valueName: "file"))
  var imatrix: String?

  @Option(
    help: ArgumentHelp(
      "Activation samples (.npy, .npz or .safetensors; one [tokens, in_features] array per linear layer, named by "
        + "the layer or its weight): adds output_rel_err and output_sqnr_db.",
      valueName: "file"))
  var activations: String?

  /// Refuses `TYPE:imatrix` formats without `--imatrix`: they quantize with it (exit 2).
  func check(_ specs: [FormatSpec]) throws {
    guard imatrix == nil, let spec = specs.first(where: \.quantizesWithImportance) else { return }
    throw UsageError(FormatError.needsImportance(id: spec.id).description)
  }

  /// The importance matrix, read once per command (exit 2 on a bad file).
  func importanceMatrix() throws -> ImportanceMatrix? {
    try imatrix.map { path throws(TensorFileError) in try ImportanceMatrix.read(path) }
  }

  /// The activation samples' file, its header read (exit 2 on a bad file).
  func activationFile() throws -> ActivationFile? {
    try activations.map { path throws(TensorFileError) in try ActivationFile.open(path) }
  }
}
