import ArgumentParser
import Fits
import Formats
import Foundation
import Kernels
import Reporting
import TensorIO

/// `tscope quant MODEL --layer REGEX --format ID...`: error metrics per tensor × format (SPEC §2, §4).
struct QuantCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "quant",
    abstract: "Quantize matching tensors with each format and print the error metrics.",
    discussion: """
      Every tensor whose name matches REGEX (anywhere in the name) is rounded with each --format: groups of G \
      along each row, scale = group amax / max(codebook) (e2m1+-8: / 8), nearest value (ties as the paper's code: to the lower \
      one at its float32 midpoints; INT/FP8 half to even). Metrics over finite elements, in Float64: mse, \
      sqnr_db, max_abs_err, rel_l2, code_usage (elements per codebook value). --json prints \
      {"name","format","group","scale_mode","count","nu","mse","sqnr_db","max_abs_err","rel_l2","clip_ratio",\
      "supernormal_value","format_nu","bpw","layer_type","opt_gap_db","code_usage","reason"} per tensor × format, as `report` makes its rows: \
      group and scale_mode as the format ran (MX and NVFP4 formats: their block and absmax), nu the fitted ν where a \
      format needs it, clip_ratio the ratio the scale used, supernormal_value the value on the −0 code (the \
      one ID+auto chose), format_nu an SF codebook's ν (sf4@auto: the ν it chose), bpw the bits per weight stored \
      (elements plus scales: --scale-bits), layer_type the tensor's group in the model overview, opt_gap_db lloyd's \
      SQNR minus the row's when lloyd is among the formats, null for a missing number and reason \
      saying why (a dtype not analysed, sf4@fit without a t fit, an SQNR without error). --imatrix adds \
      imatrix_sqnr_db, --activations output_rel_err and output_sqnr_db (before reason; null with a reason where \
      they do not apply).
      """)

  @Argument(help: "The model: .safetensors, a shard folder or *.index.json, .gguf, .npy or .npz.")
  var model: String

  @Option(help: "A regular expression selecting tensors by name.")
  var layer: String

  @Option(name: .customLong("format"), help: "A format id (repeatable); see `tscope formats`.")
  var formats: [String]

  @OptionGroup var quantization: QuantizationOptions

  @OptionGroup var weighting: ErrorWeightingOptions
  @OptionGroup var rotate: RotationOption

  @Flag(help: "Fit sf4@fit's ν on all elements of tensors over 1M elements, as `report --exact-fits` does.")
  var exactFits = false

  @Flag(help: "Print a JSON array instead of the table.")
  var json = false

  func run() async throws {
    var maker = TensorRows(
      formats: try quantization.specs(formats), settings: quantization.settings, exactFits: exactFits,
      fitsEveryTensor: false, scaleBits: quantization.scaleBits)
    try weighting.check(maker.formats)
    maker.importance = try weighting.importanceMatrix()
    maker.activations = try weighting.activationFile()
    let opened = try Model.open(model)
    let matching = try TensorSelection.matching(layer, in: opened, model: model)
    var rows: [ReportRow] = []
    var skipped: [TensorInfo] = []
    for position in matching {
      let tensor = opened.tensor(at: position)
      try tensor.checkFileUnchanged()
      if !tensor.info.dtype.isAnalysable { skipped.append(tensor.info) }
      rows += try maker.rows(for: rotate.apply(to: tensor))
      // As `report` does: resident memory stays one tensor's, not the model's.
      tensor.releaseResidentPages()
    }
    if json {
      Console.writeOutput(JSONText.array(rows.map(\.quantJSON)) + "\n")
    } else {
      // The table lists tensors that are not analysed on one line of stderr instead of as rows.
      let unanalysed = Set(skipped.map(\.name))
      Console.writeOutput(QuantTable.render(rows.filter { !unanalysed.contains($0.name) }, extras: .of(rows)))
      if !skipped.isEmpty {
        let names = skipped.map { "\($0.name) (\($0.dtype))" }.joined(separator: ", ")
        Console.writeError("not analysed (dtype): \(names)\n")
      }
    }
  }
}

/// The human table of `quant`: aligned columns, one line per tensor × format, then why any row
/// has no numbers.
enum QuantTable {
  static func render(_ rows: [ReportRow], extras: ReportExtras = []) -> String {
    let extraHeader =
      (extras.contains(.importance) ? ["imat dB"] : []) + (extras.contains(.output) ? ["out rel", "out dB"] : [])
    let header =
      ["tensor", "format", "group", "scale", "mse", "sqnr dB", "max err", "rel l2", "codes used"] + extraHeader
    let cells = rows.map { row -> [String] in
      let scale =
        row.scaleMode == ScaleMode.mse.rawValue ? "mse×\(FormatCatalog.text(for: row.clipRatio ?? 1))" : row.scaleMode
      guard let mse = row.mse else {
        return [row.name, row.formatName ?? row.format, row.group, scale, "-", "-", "-", "-", "-"]
          + extraHeader.map { _ in "-" }
      }
      let usage = row.codeUsage ?? []
      return [
        row.name, row.formatName ?? row.format, row.group, scale, scientific(mse),
        row.sqnrDB.map { NumberText.fixed($0, digits: 2) } ?? (isAllZero(row) ? "0/0" : "inf"),
        row.maxAbsError.map(scientific) ?? "-",
        row.relativeL2.map(scientific) ?? "-", "\(usage.filter { $0 > 0 }.count)/\(usage.count)",
      ]
        + zip(extras.columns, row.extraValues(extras)).map { column, value in
          value.map { column == "output_rel_err" ? scientific($0) : NumberText.fixed($0, digits: 2) } ?? "-"
        }
    }
    // `Δ opt dB` (lloyd's SQNR minus the row's) only when lloyd is among the formats.
    let showsGap = rows.contains { $0.optGapDB != nil }
    let table =
      showsGap
      ? zip([header + ["Δ opt dB"]] + cells.map { $0 }, [nil] + rows).map { line, row in
        row.map { line + [$0.optGapDB.map { NumberText.fixed($0, digits: 2) } ?? "-"] } ?? line
      } : [header] + cells
    var out = TextTable.render(table, rightAligned: Set(4...(8 + extraHeader.count + (showsGap ? 1 : 0))))
    // Why a row has no numbers, or what its numbers mean (an all-zero tensor, no error, sf4@fit
    // without a fit): the JSON's `reason`, so the table hides nothing the JSON says.
    let explained = rows.filter { $0.mse == nil || $0.reason != nil }
    if !explained.isEmpty {
      out +=
        "\n"
        + explained.map { row in
          "\(row.mse == nil ? "no numbers for" : "note on") \(row.name) × \(row.format): \(row.reason ?? "")\n"
        }.joined()
    }
    return out
  }

  /// Whether a row's tensor is all zeros, whose SQNR the table shows as 0/0 (no signal, no error).
  private static func isAllZero(_ row: ReportRow) -> Bool {
    row.reason?.contains(QuantizationMetrics.allZeroReason) == true
  }

  private static func scientific(_ value: Double) -> String { NumberText.scientific(value, digits: 4) }
}
