import ArgumentParser
import Foundation
import Kernels
import Reporting
import TensorIO

/// `tscope report MODEL`: the whole-model table, one tensor at a time, progress on stderr (SPEC §2).
struct ReportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Fit and quantize every tensor of a model; write CSV, JSON or Markdown and print a summary.",
    discussion: """
      One row per analysable tensor × format: fit columns (nu, t_scale, normal_std, best_fit), error \
      columns (mse, sqnr_db, max_abs_err, rel_l2), what was chosen (clip_ratio, supernormal_value, format_nu), \
      bpw (bits per weight stored), layer_type, opt_gap_db (lloyd's SQNR minus the row's, when lloyd is among the \
      formats) and reason (why a number is missing), made as `quant` makes \
      its rows: group and scale_mode as the format ran (MX and NVFP4 formats: their block, absmax). The per-format summary (mean and parameter-weighted \
      SQNR, wins, worst tensor, bpw) and the same per layer type (JSON "by_layer_type") go to stdout; --pareto \
      adds the frontier of quality against cost (JSON "pareto": {"x","y","points","without_cost"}). --shard I/N (1 ≤ I ≤ N) reports the I-th of N contiguous, size-balanced runs of \
      tensors; inside a Slurm array job SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT choose the shard when \
      --shard is absent. Join the parts (written as .json) with `tscope merge`.
      """)

  static let defaultFormats = ["int4", "nf4", "sf4", "e2m1", "e2m1-sr", "e2m1-sp", "apot4"]

  @Argument(help: "The model: .safetensors, a shard folder or *.index.json, .gguf, .npy or .npz.")
  var model: String

  @Option(
    name: .customLong("format"),
    help: "A format id (repeatable; default: \(ReportCommand.defaultFormats.joined(separator: ", "))).")
  var formats: [String] = []

  @OptionGroup var quantization: QuantizationOptions

  @OptionGroup var weighting: ErrorWeightingOptions
  @OptionGroup var rotate: RotationOption

  @Option(help: "Write the report to FILE.csv, FILE.json or FILE.md (default: a table on stdout).")
  var out: String?

  @Option(help: "Report only shard I of N (1-based), e.g. 2/8.")
  var shard: String?

  @Flag(
    help: """
      Fit tensors over 1M elements on all their elements, as `tscope fit` does, instead of a deterministic \
      2^18-element subsample (slower; the subsample's t fit is within about 1e-5 nats of the full-data MLE).
      """)
  var exactFits = false

  @Flag(
    help: "Add the quality-against-cost frontier of the formats (JSON \"pareto\", a table in Markdown and on stdout).")
  var pareto = false

  @Option(
    name: .customLong("pareto-x"),
    help: ArgumentHelp(
      "The frontier's cost axis: area, power (MAC unit, from the costs table) or bpw.", valueName: "area|power|bpw"))
  var paretoX: ParetoFrontier.Cost = .area

  @Option(
    name: .customLong("pareto-y"),
    help: ArgumentHelp("The frontier's quality axis.", valueName: "mean_sqnr_db|weighted_sqnr_db"))
  var paretoY: ParetoFrontier.Quality = .meanSQNR

  @Option(help: "A TOML file of hardware costs that extends (or with replace = true replaces) the paper's.")
  var costs: String?

  func run() async throws {
    let costTable = try CostsOption.load(costs)
    let specs = try quantization.specs(formats.isEmpty ? Self.defaultFormats : formats)
    try weighting.check(specs)
    let settings = quantization.settings
    let destination = try out.map(ReportDestination.init(path:))
    let plan = try shardPlan()
    let opened = try Model.open(model)
    var runner = ReportRunner(
      model: opened, formats: specs, settings: settings, shard: plan, exactFits: exactFits,
      scaleBits: quantization.scaleBits, rotation: rotate.rotation)
    runner.importance = try weighting.importanceMatrix()
    runner.activations = try weighting.activationFile()
    let progress = ProgressLine(totalBytes: runner.totalBytes, enabled: Console.isTerminal(2))
    let writer = try destination.map { try ReportFileWriter(destination: $0, extras: runner.extras) }
    var document: ReportDocument
    do {
      document = try runner.run { rows, bytesDone in
        try writer?.stream(rows)
        progress.update(bytesDone: bytesDone, current: rows.first?.name)
      }
    } catch let error as RotationError {
      progress.finish()
      writer?.abandon()
      throw UsageError(error.description)
    } catch {
      progress.finish()
      writer?.abandon()
      throw error
    }
    progress.finish()
    if pareto { document.addPareto(costs: costTable, x: paretoX, y: paretoY) }
    if let writer {
      try writer.finish(document)
    } else {
      Console.writeOutput(ReportText.rowsTable(document.rows) + "\n")
    }
    Console.writeOutput(ReportText.summaryTables(document))
  }

  private func shardPlan() throws -> ShardPlan? {
    if let shard {
      guard let plan = ShardPlan(parsing: shard) else {
        throw UsageError("--shard '\(shard)' is not I/N with 1 ≤ I ≤ N (e.g. 2/8)")
      }
      return plan
    }
    switch ShardPlan.fromSlurm(ProcessInfo.processInfo.environment) {
    case .success(let plan)?: return plan
    case .failure(let error)?: throw UsageError(error.description)
    case nil: return nil
    }
  }
}
