import ArgumentParser
import Fits
import Formats
import Foundation
import Kernels
import TensorIO

/// `tscope quant MODEL --layer REGEX --format ID...`: error metrics per tensor × format (SPEC §2, §4).
struct QuantCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "quant",
    abstract: "Quantize matching tensors with each format and print the error metrics.",
    discussion: """
      Every tensor whose name matches REGEX (anywhere in the name) is rounded with each --format: groups of G \
      along each row, scale = group amax / max(codebook), nearest value (ties to the lower one). Metrics over \
      finite elements, in Float64: mse, sqnr_db, max_abs_err, rel_l2, code_usage (elements per codebook value). \
      --json prints {"name","format","group","scale_mode","mse","sqnr_db","max_abs_err","rel_l2","code_usage"} \
      per tensor × format (sqnr_db is null when the error is zero).
      """)

  @Argument(help: "The model: .safetensors, a shard folder or *.index.json, .gguf, .npy or .npz.")
  var model: String

  @Option(help: "A regular expression selecting tensors by name.")
  var layer: String

  @Option(name: .customLong("format"), help: "A format id (repeatable); see `tscope formats`.")
  var formats: [String]

  @OptionGroup var quantization: QuantizationOptions

  @Flag(help: "Print a JSON array instead of the table.")
  var json = false

  func run() async throws {
    let specs = try quantization.specs(formats)
    let settings = try quantization.settings()
    let pattern: Regex<AnyRegexOutput>
    do {
      pattern = try Regex(layer)
    } catch {
      throw UsageError("--layer '\(layer)' is not a valid regular expression")
    }
    let opened = try Model.open(model)
    let matching = opened.tensors.indices.filter { opened.tensors[$0].name.contains(pattern) }
    guard !matching.isEmpty else { throw UsageError("\(model): no tensor name matches --layer '\(layer)'") }
    var rows: [(name: String, metrics: QuantizationMetrics)] = []
    var skipped: [String] = []
    for position in matching {
      let tensor = opened.tensor(at: position)
      guard tensor.info.dtype.isAnalysable else {
        skipped.append("\(tensor.info.name) (\(tensor.info.dtype))")
        continue
      }
      let needsNu = specs.contains { if case .studentFloatAtFittedNu = $0.kind { true } else { false } }
      let fittedNu = needsNu ? try TensorFits.fit(tensor).fit(.t)?.nu : nil
      for spec in specs {
        let format: QuantFormat
        do {
          format = try Quantizer.resolve(spec, for: tensor, fittedNu: fittedNu, settings: settings)
        } catch let error as FormatError {
          throw UsageError(error.description)
        }
        rows.append((tensor.info.name, try Quantizer.measure(tensor, format: format, settings: settings)))
      }
    }
    if json {
      Console.writeOutput(jsonText(rows) + "\n")
    } else {
      Console.writeOutput(QuantTable.render(rows))
      if !skipped.isEmpty { Console.writeError("not analysed (dtype): \(skipped.joined(separator: ", "))\n") }
    }
  }

  private func jsonText(_ rows: [(name: String, metrics: QuantizationMetrics)]) -> String {
    JSONText.array(
      rows.map { row in
        let metrics = row.metrics
        return JSONText.object([
          ("name", JSONText.string(row.name)),
          ("format", JSONText.string(metrics.format.id)),
          (
            "group",
            metrics.group == .tensor || metrics.group == .channel
              ? JSONText.string(metrics.group.description) : metrics.group.description
          ),
          ("scale_mode", JSONText.string(metrics.scaleMode.rawValue)),
          ("mse", JSONText.number(metrics.mse)),
          ("sqnr_db", JSONText.number(metrics.sqnrDB)),
          ("max_abs_err", JSONText.number(metrics.maxAbsError)),
          ("rel_l2", JSONText.number(metrics.relativeL2)),
          ("code_usage", JSONText.array(metrics.codeUsage.map(String.init))),
        ])
      })
  }
}

/// The human table of `quant`: aligned columns, one line per tensor × format.
enum QuantTable {
  static func render(_ rows: [(name: String, metrics: QuantizationMetrics)]) -> String {
    let header = ["tensor", "format", "group", "scale", "mse", "sqnr dB", "max err", "rel l2", "codes used"]
    let cells = rows.map { row -> [String] in
      let metrics = row.metrics
      let scale = metrics.scaleMode == .mse ? "mse×\(FormatCatalog.text(for: metrics.clipRatio))" : "absmax"
      return [
        row.name, metrics.format.name, metrics.group.description, scale, scientific(metrics.mse),
        metrics.sqnrDB.isFinite ? fixed(metrics.sqnrDB) : "inf", scientific(metrics.maxAbsError),
        scientific(metrics.relativeL2), "\(metrics.codesUsed)/\(metrics.codeUsage.count)",
      ]
    }
    let widths = header.indices.map { column in
      ([header] + cells).map { $0[column].count }.max() ?? 0
    }
    let numeric = Set(4...8)
    func line(_ row: [String]) -> String {
      row.indices.map { column in
        let padding = String(repeating: " ", count: widths[column] - row[column].count)
        return numeric.contains(column) ? padding + row[column] : row[column] + padding
      }.joined(separator: "  ")
    }
    return ([line(header)] + cells.map(line)).joined(separator: "\n") + "\n"
  }

  private static func scientific(_ value: Double) -> String { String(format: "%.4e", value) }
  private static func fixed(_ value: Double) -> String { String(format: "%.2f", value) }
}
