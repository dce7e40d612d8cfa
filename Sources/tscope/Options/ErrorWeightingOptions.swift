import ArgumentParser
import TensorIO

/// The options `quant` and `report` share for the error that matters beyond the weights':
/// an importance matrix (`--imatrix`).
struct ErrorWeightingOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "A llama.cpp importance matrix (llama-imatrix's .gguf or legacy .dat): adds imatrix_sqnr_db.",
      valueName: "file"))
  var imatrix: String?

  /// The importance matrix, read once per command (exit 2 on a bad file).
  func importanceMatrix() throws -> ImportanceMatrix? {
    try imatrix.map { path throws(TensorFileError) in try ImportanceMatrix.read(path) }
  }
}
