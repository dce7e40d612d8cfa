import ArgumentParser
import Formats
import Kernels
import Reporting
import TensorIO

/// `tscope bench sweep [MODEL --layer NAME] [--format ID ...] [--json]`: N formats in one pass
/// over the tensor (`Quantizer.measure(_:formats:)`) against one pass per format.
struct BenchSweepCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Time many formats in one pass against one pass per format, on one tensor.",
    discussion: """
      Default formats: the paper's 12 (int4 nf4 sf4 e2m1 e2m1-i e2m1-b e2m1-sr e2m1-sp e1m2 e3m0 apot4 \
      apot4-sp). Both ways run once to warm up, then --runs times each; medians are reported with their ratio. \
      Without MODEL the tensor is the synthetic 4096×11008 Student's t tensor in --dtype.
      """)

  static let paperFormats = [
    "int4", "nf4", "sf4", "e2m1", "e2m1-i", "e2m1-b", "e2m1-sr", "e2m1-sp", "e1m2", "e3m0", "apot4", "apot4-sp",
  ]

  @OptionGroup var tensorOptions: BenchTensorOptions

  @Option(name: .customLong("format"), help: "A format id (repeatable; default: the paper's 12).")
  var formatIDs: [String] = []

  @OptionGroup var quantization: QuantizationOptions

  @Option(help: ArgumentHelp("Element type of the synthetic tensor.", valueName: "f32|bf16"))
  var dtype: SyntheticTensor.Kind = .f32

  func run() async throws {
    let specs = try quantization.specs(formatIDs.isEmpty ? Self.paperFormats : formatIDs)
    let settings = quantization.settings
    let tensor = try tensorOptions.tensor { SyntheticTensor.studentT(rows: 4096, columns: 11008, kind: dtype) }
    let formats: [QuantFormat]
    do {
      formats = try specs.map { try Quantizer.resolve($0, for: tensor, settings: settings) }
    } catch let error as FormatError {
      throw UsageError(error.description)
    }
    _ = try Quantizer.measure(tensor, formats: formats, settings: settings)
    let together = try BenchTiming.medians(runs: tensorOptions.runs) {
      _ = try Quantizer.measure(tensor, formats: formats, settings: settings)
    }
    let separate = try BenchTiming.medians(runs: tensorOptions.runs) {
      for format in formats { _ = try Quantizer.measure(tensor, format: format, settings: settings) }
    }
    let shape = tensor.info.shape.map(String.init).joined(separator: "x")
    let what =
      "sweep \(formats.count) formats group \(settings.group) on \(tensor.info.name) \(shape) \(tensor.info.dtype)"
    let ratio = separate.wall / together.wall
    if tensorOptions.json {
      let object = JSONText.object([
        ("what", JSONText.string(what)),
        ("path", JSONText.string(KernelPath.active.rawValue)),
        ("formats", String(formats.count)),
        ("elements", String(tensor.count)),
        ("one_pass_seconds", JSONText.number(together.wall)),
        ("one_pass_cpu_seconds", JSONText.number(together.cpu)),
        ("pass_per_format_seconds", JSONText.number(separate.wall)),
        ("pass_per_format_cpu_seconds", JSONText.number(separate.cpu)),
        ("speedup", JSONText.number(ratio)),
      ])
      Console.writeOutput(JSONText.array([object]) + "\n")
    } else {
      Console.writeOutput(
        "\(what): one pass \(together.wall) s (CPU \(together.cpu) s), one pass per format \(separate.wall) s "
          + "(CPU \(separate.cpu) s): \(ratio)x\n")
    }
  }
}
