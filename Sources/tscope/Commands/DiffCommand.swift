import ArgumentParser
import Foundation
import Kernels
import Reporting
import TensorIO

/// `tscope diff ORIGINAL SHIPPED`: the error a shipped quantized model really made, tensor by
/// tensor, against the original it was made from (issues 14 and 15).
struct DiffCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "The error a shipped quantized model made against its original, tensor by tensor.",
    discussion: """
      ORIGINAL is the unquantized model (.safetensors, a shard folder or *.index.json, a F16/F32 \
      .gguf). SHIPPED is the quantized one: a .gguf of any ggml type, or a quantized safetensors \
      checkpoint (compressed-tensors, GPTQ/AutoRound, FP8 block scales, gpt-oss MXFP4) read as its \
      logical weights.

      Tensors are matched by name, else by llama.cpp's Hugging Face <-> GGUF name map; for a \
      LLaMA GGUF the rotary row permutation convert_hf_to_gguf.py applies to q_proj and k_proj is \
      undone (heads from llama.attention.head_count and head_count_kv). Each pair gives the shipped \
      type, its stored bits per weight and the error of the shipped values x^ against the original \
      x: mse, sqnr_db = 10 log10(sum x^2 / sum (x - x^)^2), max_abs_err and rel_l2 (Float64 sums). \
      Tensors on one side only, of another shape, or of a dtype tscope does not decode are listed \
      with the reason. The table ends with each shipped type's mean and pooled SQNR.

      --made-by also tells, for each tensor of a type tscope makes (q4_0 … q8_0, q2_k … q6_k, iq4_nl, \
      iq4_xs, iq2_xxs … iq1_m, mxfp4, nvfp4, tq1_0, tq2_0, q1_0, q2_0), how it was made: quantizing the original again, "llama-quantize" when llama-quantize's \
      reference path (no imatrix entry) gives every shipped value bit for bit, "llama-quantize \
      --imatrix" when its imatrix path with --imatrix FILE does, else "neither path" (or "not the \
      reference path" without --imatrix): another tool, another imatrix, or not this original; a tensor \
      it cannot try says why ("unknown: tscope does not make Q8_K"; IQ2_XXS, IQ2_XS and IQ1_S are \
      tried only with --imatrix).

      --json prints one array: {"name","shipped_name","shipped_type","layer_type","count","bpw", \
      "mse","sqnr_db","max_abs_err","rel_l2","non_finite","made_by","reason"} per tensor (null where \
      not measured). --out FILE writes the same as .csv, .json or .md.
      """)

  @Argument(help: "The original (unquantized) model.")
  var original: String

  @Argument(help: "The shipped (quantized) model.")
  var shipped: String

  @Flag(help: "Print a JSON array instead of the table.")
  var json = false

  @Option(help: "Also write the rows to FILE (.csv, .json or .md).")
  var out: String?

  @Flag(help: "Tell how each llama.cpp tensor was made: which llama-quantize path gives its values again.")
  var madeBy = false

  @Option(
    help: ArgumentHelp(
      "The importance matrix llama-quantize may have used (.gguf or legacy .dat): --made-by also tries its "
        + "imatrix path.", valueName: "file"))
  var imatrix: String?

  func run() async throws {
    let destination = try out.map { try ReportDestination(path: $0) }
    let originalModel = try Model.open(original)
    let shippedModel = try Model.open(shipped)
    let (pairs, unmatched) = ShippedDiff.match(original: originalModel, shipped: shippedModel)
    guard !pairs.isEmpty else {
      throw UsageError(
        "\(shipped): no tensor to compare with \(original) (none matches by name, llama.cpp's name map and shape)")
    }
    let quantizedOriginal = ShippedMatching.swappedLook(pairs)
    if !quantizedOriginal.isEmpty {
      Console.writeError(
        "tscope diff: \(original) (ORIGINAL) holds quantized tensors (\(quantizedOriginal.joined(separator: ", "))) "
          + "and \(shipped) (SHIPPED) none: the two may be swapped (ORIGINAL comes first); "
          + "measuring \(shipped) against \(original) as given\n")
    }
    if imatrix != nil && !madeBy { throw UsageError("--imatrix is used by --made-by: give both") }
    let importance = try imatrix.map { path throws(TensorFileError) in try ImportanceMatrix.read(path) }
    var measured: [ShippedDiffRow] = []
    for pair in pairs {
      try pair.shipped.checkFileUnchanged()
      try pair.original.checkFileUnchanged()
      var row = ShippedDiff.measure(pair)
      if madeBy {
        let weights = try importance.map { matrix throws(TensorFileError) in
          try matrix.weights(for: pair.original.info)
        }
        let entry = ImatrixEntry(matrixGiven: importance != nil, weights: weights ?? nil)
        row.recipe = try ShippedRecipe.find(
          shipped: pair.shipped, original: pair.original, originalRows: pair.originalRows, importance: entry)
      }
      measured.append(row)
      // As `report` does: the pair's mapped pages leave the resident set, so memory stays one
      // pair's, not both models'.
      pair.original.releaseResidentPages()
      pair.shipped.releaseResidentPages()
    }
    // Shipped order: measured and unmatched shipped rows interleaved as the shipped file lists
    // them, then the original's tensors the shipped model lacks.
    let position = Dictionary(
      shippedModel.tensors.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
    let rows = (measured + unmatched).enumerated().sorted { lhs, rhs in
      let left = lhs.element.shippedName.flatMap { position[$0] } ?? Int.max
      let right = rhs.element.shippedName.flatMap { position[$0] } ?? Int.max
      return left != right ? left < right : lhs.offset < rhs.offset
    }.map(\.element)
    if let destination { try write(rows, to: destination) }
    if json {
      Console.writeOutput(ShippedDiffText.json(rows) + "\n")
    } else {
      Console.writeOutput(ShippedDiffText.table(rows, original: original, shipped: shipped))
    }
  }

  /// Writes the report file whole, through a temporary file renamed into place.
  private func write(_ rows: [ShippedDiffRow], to destination: ReportDestination) throws {
    let text =
      switch destination.kind {
      case .csv: ShippedDiffText.csv(rows)
      case .json: ShippedDiffText.json(rows) + "\n"
      case .markdown: ShippedDiffText.markdown(rows, original: original, shipped: shipped)
      }
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: destination.path), options: .atomic)
    } catch {
      throw WorkFailure("\(destination.path): cannot write the report (\(error.localizedDescription))")
    }
  }
}
