import ArgumentParser
import Kernels
import Reporting
import TensorIO

/// `tscope bench read [MODEL --layer NAME] [--json]`: a plain read of one tensor's bytes on all
/// cores (a SIMD sum of its 64-bit words over the kernel's pieces): the ceiling for the kernel.
struct BenchReadCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "read",
    abstract: "Time a plain multi-threaded read of one tensor's bytes (the ceiling for the kernel).",
    discussion: """
      Sums the tensor's bytes as 64-bit words, split into the same pieces and threads the kernel uses, once \
      to warm up and then --runs times; reports the median. Without MODEL the tensor is the synthetic \
      4096×11008 Student's t tensor `bench kernel` times, in --dtype.
      """)

  @OptionGroup var tensorOptions: BenchTensorOptions

  @Option(help: ArgumentHelp("Element type of the synthetic tensor.", valueName: "f32|bf16"))
  var dtype: SyntheticTensor.Kind = .f32

  @Option(help: "Worker threads (default: all cores).")
  var threads: Int?

  func validate() throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() async throws {
    let tensor = try tensorOptions.tensor { SyntheticTensor.studentT(rows: 4096, columns: 11008, kind: dtype) }
    let read = try BenchRead.measure(tensor, runs: tensorOptions.runs, threads: threads)
    let shape = tensor.info.shape.map(String.init).joined(separator: "x")
    let what = "read \(tensor.info.name) \(shape) \(tensor.info.dtype)"
    if tensorOptions.json {
      let object = JSONText.object([
        ("what", JSONText.string(what)),
        ("threads", threads.map(String.init) ?? "null"),
        ("elements", String(tensor.count)),
        ("bytes", String(tensor.info.byteCount)),
        ("seconds", JSONText.number(read.seconds)),
        ("elements_per_s", JSONText.number(read.elementsPerSecond)),
        ("bytes_per_s", JSONText.number(Double(tensor.info.byteCount) / read.seconds)),
        ("cpu_seconds", JSONText.number(read.cpuSeconds)),
      ])
      Console.writeOutput(JSONText.array([object]) + "\n")
    } else {
      Console.writeOutput(
        "\(what): \(tensor.count) elements, median \(read.seconds) s (\(read.elementsPerSecond / 1e9) G elements/s, "
          + "\(Double(tensor.info.byteCount) / read.seconds / 1e9) GB/s), CPU \(read.cpuSeconds) s\n")
    }
  }
}

/// The read baseline's median timing, shared by `bench read` and `bench kernel`.
enum BenchRead {
  struct Timing {
    let seconds: Double
    let cpuSeconds: Double
    let elementsPerSecond: Double
  }

  static func measure(_ tensor: Tensor, runs: Int, threads: Int?) throws -> Timing {
    var reader = try Reader(tensor, threads: threads)
    let (median, cpuMedian) = try BenchTiming.medians(runs: runs) { try reader.read() }
    reader.keep()
    return Timing(seconds: median, cpuSeconds: cpuMedian, elementsPerSecond: Double(tensor.count) / median)
  }

  /// One plain read per call, warmed up once, its checksum kept so that no read can be optimized away.
  struct Reader {
    let tensor: Tensor
    let threads: Int?
    private var checksum: UInt64

    init(_ tensor: Tensor, threads: Int?) throws {
      self.tensor = tensor
      self.threads = threads
      checksum = try ReadBaseline.sum(tensor, threads: threads)
    }

    mutating func read() throws { checksum &+= try ReadBaseline.sum(tensor, threads: threads) }

    /// Uses the checksum.
    func keep() { if checksum == 1 { Console.writeError("") } }
  }
}
