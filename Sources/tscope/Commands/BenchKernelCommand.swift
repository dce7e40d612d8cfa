import ArgumentParser
import Dispatch
import Formats
import Kernels
import TensorIO

/// `tscope bench kernel [MODEL --layer NAME] [--format ID] [--group G] [--json]`: times
/// quantize + metrics for one format on one tensor (no MODEL: a synthetic 4096×11008 Student's t tensor).
struct BenchKernelCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kernel",
    abstract: "Time quantize + metrics for one format on one tensor.",
    discussion: """
      Runs the kernel once to warm up, then --runs times, and reports the median wall time and the median CPU \
      time (user + system, all threads). Without MODEL the tensor is a synthetic 4096×11008 Student's t \
      (ν=5, scale 0.02) tensor in --dtype (f32 or bf16).
      """)

  @Argument(help: "A model file (optional).")
  var model: String?

  @Option(help: "The tensor's exact name (with MODEL).")
  var layer: String?

  @Option(help: "The format id.")
  var format = "nf4"

  @Option(help: "Group size: tensor, channel (or 0), or an element count.")
  var group = "128"

  @Option(help: "Scale choice: absmax or mse.")
  var scale = "absmax"

  @Option(help: "Element type of the synthetic tensor: f32 or bf16.")
  var dtype = "f32"

  @Option(help: "Timed runs (the median is reported).")
  var runs = 7

  @Option(help: "Worker threads (default: all cores; 1 times a single core).")
  var threads: Int?

  @Flag(help: "Print a JSON array instead of a line of text.")
  var json = false

  func run() async throws {
    guard let spec = try FormatSelection.specs([format], codebookFile: nil).first else { return }
    guard let scaleMode = ScaleMode(rawValue: scale) else { throw UsageError("--scale must be absmax or mse") }
    guard runs >= 1 else { throw UsageError("--runs must be at least 1") }
    if let threads, threads < 1 { throw UsageError("--threads must be at least 1") }
    let settings = QuantizationSettings(group: try FormatSelection.group(group), scale: scaleMode, threads: threads)
    let tensor = try benchTensor()
    let resolved: QuantFormat
    do {
      resolved = try Quantizer.resolve(spec, for: tensor, settings: settings)
    } catch let error as FormatError {
      throw UsageError(error.description)
    }
    _ = try Quantizer.measure(tensor, format: resolved, settings: settings)
    var seconds: [Double] = []
    var cpuSeconds: [Double] = []
    for _ in 0..<runs {
      let start = DispatchTime.now().uptimeNanoseconds
      let cpuStart = ProcessCPUClock.seconds()
      _ = try Quantizer.measure(tensor, format: resolved, settings: settings)
      cpuSeconds.append(ProcessCPUClock.seconds() - cpuStart)
      seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let median = seconds.sorted()[seconds.count / 2]
    let cpuMedian = cpuSeconds.sorted()[cpuSeconds.count / 2]
    let shape = tensor.info.shape.map(String.init).joined(separator: "x")
    let what =
      "kernel \(resolved.id) group \(settings.group) \(scaleMode.rawValue) on \(tensor.info.name) \(shape) \(tensor.info.dtype)"
    let rate = Double(tensor.count) / median
    let cpuRate = Double(tensor.count) / cpuMedian
    let threadText = threads.map { "\($0) thread(s)" } ?? "all cores"
    if json {
      let object = JSONText.object([
        ("what", JSONText.string(what)),
        ("threads", threads.map(String.init) ?? "null"),
        ("elements", String(tensor.count)),
        ("seconds", JSONText.number(median)),
        ("elements_per_s", JSONText.number(rate)),
        ("cpu_seconds", JSONText.number(cpuMedian)),
        ("elements_per_cpu_s", JSONText.number(cpuRate)),
      ])
      Console.writeOutput(JSONText.array([object]) + "\n")
    } else {
      Console.writeOutput(
        "\(what), \(threadText): \(tensor.count) elements, median \(median) s wall (\(rate / 1e9) G elements/s), "
          + "\(cpuMedian) s CPU (\(cpuRate / 1e9) G elements per CPU-second)\n")
    }
  }

  private func benchTensor() throws -> Tensor {
    guard let model else {
      guard let kind = SyntheticTensor.Kind(rawValue: dtype.lowercased()) else {
        throw UsageError("--dtype must be f32 or bf16, not '\(dtype)'")
      }
      return SyntheticTensor.studentT(rows: 4096, columns: 11008, kind: kind)
    }
    guard let layer else { throw UsageError("bench kernel MODEL needs --layer NAME") }
    let opened = try Model.open(model)
    guard let tensor = opened.tensor(named: layer) else {
      throw UsageError("\(model): no tensor named '\(layer)'")
    }
    guard tensor.info.dtype.isAnalysable else {
      throw UsageError("\(model): tensor '\(layer)' has dtype \(tensor.info.dtype), which is not analysed")
    }
    return tensor
  }
}
