import ArgumentParser
import Formats
import Kernels
import Reporting
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
      (ν=5, scale 0.02) tensor in --dtype (f32 or bf16). Each kernel run is paired with a plain read of the \
      same bytes (`bench read`), the read first in every other pair; the kernel's rate as a fraction of the \
      read's is the median over the pairs, so that both sides of each fraction see the machine in the same \
      moment.
      """)

  @OptionGroup var tensorOptions: BenchTensorOptions

  @Option(help: "The format id.")
  var format = "nf4"

  @OptionGroup var quantization: QuantizationOptions

  @Option(help: ArgumentHelp("Element type of the synthetic tensor.", valueName: "f32|bf16"))
  var dtype: SyntheticTensor.Kind = .f32

  @Option(help: "Worker threads (default: all cores; 1 times a single core).")
  var threads: Int?

  @Option(
    help: ArgumentHelp(
      "The kernel path (default: the fastest this CPU has, or TSCOPE_KERNEL).", valueName: "avx512|avx2|portable"))
  var kernel: KernelPath?

  func validate() throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() async throws {
    if let kernel {
      do {
        try KernelPath.select(kernel)
      } catch {
        throw UsageError("--kernel \(kernel.rawValue): \(error)")
      }
    }
    guard let spec = try quantization.specs([format]).first else { return }
    var settings = quantization.settings
    settings.threads = threads
    let tensor = try tensorOptions.tensor { SyntheticTensor.studentT(rows: 4096, columns: 11008, kind: dtype) }
    let resolved: QuantFormat
    do {
      resolved = try Quantizer.resolve(spec, for: tensor, settings: settings)
    } catch let error as FormatError {
      throw UsageError(error.description)
    }
    _ = try Quantizer.measure(tensor, format: resolved, settings: settings)
    // The ceiling in the same run: a plain read of the same bytes with the same threads, one per
    // kernel run, the fraction taken within each pair.
    var reader = try BenchRead.Reader(tensor, threads: threads)
    let timing = try BenchTiming.pairs(
      runs: tensorOptions.runs,
      { _ = try Quantizer.measure(tensor, format: resolved, settings: settings) },
      { try reader.read() })
    reader.keep()
    let (median, cpuMedian) = timing.first
    let shape = tensor.info.shape.map(String.init).joined(separator: "x")
    let what =
      "kernel \(resolved.id) group \(settings.group) \(settings.scale.rawValue) on \(tensor.info.name) \(shape) \(tensor.info.dtype)"
    let rate = Double(tensor.count) / median
    let read = BenchRead.Timing(
      seconds: timing.second.wall, cpuSeconds: timing.second.cpu,
      elementsPerSecond: Double(tensor.count) / timing.second.wall)
    let ofRead = 1 / timing.firstOverSecond
    let cpuRate = Double(tensor.count) / cpuMedian
    let threadText = (threads.map { "\($0) thread(s)" } ?? "all cores") + ", \(KernelPath.active.rawValue) path"
    if tensorOptions.json {
      let object = JSONText.object([
        ("what", JSONText.string(what)),
        ("path", JSONText.string(KernelPath.active.rawValue)),
        ("threads", threads.map(String.init) ?? "null"),
        ("elements", String(tensor.count)),
        ("seconds", JSONText.number(median)),
        ("elements_per_s", JSONText.number(rate)),
        ("cpu_seconds", JSONText.number(cpuMedian)),
        ("elements_per_cpu_s", JSONText.number(cpuRate)),
        ("read_seconds", JSONText.number(read.seconds)),
        ("read_elements_per_s", JSONText.number(read.elementsPerSecond)),
        ("fraction_of_read", JSONText.number(ofRead)),
      ])
      Console.writeOutput(JSONText.array([object]) + "\n")
    } else {
      Console.writeOutput(
        "\(what), \(threadText): \(tensor.count) elements, median \(median) s wall (\(rate / 1e9) G elements/s), "
          + "\(cpuMedian) s CPU (\(cpuRate / 1e9) G elements per CPU-second); plain read "
          + "\(read.elementsPerSecond / 1e9) G elements/s: the kernel runs at \(ofRead) of it\n")
    }
  }
}

extension KernelPath: ExpressibleByArgument {}
