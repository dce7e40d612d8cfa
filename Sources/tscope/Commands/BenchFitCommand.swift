import ArgumentParser
import Dispatch
import Fits
import Foundation
import TensorIO

/// `tscope bench fit [MODEL --layer NAME] [--json]`: times the t, normal and Laplace fits of one
/// tensor (no MODEL: a synthetic 4096×11008 Student's t tensor).
struct BenchFitCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fit",
    abstract: "Time the Student's t, normal and Laplace fits of one tensor.",
    discussion: """
      Fits once to warm up, then --runs times, and reports the median. The time covers everything `tscope fit` \
      does for the tensor: decoding, the subsample fit, the passes over all elements, the log-likelihoods and the \
      Kolmogorov–Smirnov distances. Without MODEL the tensor is a synthetic 4096×11008 Student's t (ν=5, \
      scale 0.02) F32 tensor.
      """)

  @Argument(help: "A model file (optional).")
  var model: String?

  @Option(help: "The tensor's exact name (with MODEL).")
  var layer: String?

  @Option(help: "Timed runs (the median is reported).")
  var runs = 7

  @Flag(help: "Print a JSON array instead of a line of text.")
  var json = false

  func run() async throws {
    guard runs >= 1 else { throw UsageError("--runs must be at least 1") }
    let tensor = try benchTensor()
    let report = try TensorFits.fit(tensor)
    var seconds: [Double] = []
    var cpuSeconds: [Double] = []
    for _ in 0..<runs {
      let start = DispatchTime.now().uptimeNanoseconds
      let cpuStart = Self.processCPUSeconds()
      _ = try TensorFits.fit(tensor)
      cpuSeconds.append(Self.processCPUSeconds() - cpuStart)
      seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    let median = seconds.sorted()[seconds.count / 2]
    let cpuMedian = cpuSeconds.sorted()[cpuSeconds.count / 2]
    let shape = tensor.info.shape.map(String.init).joined(separator: "x")
    let what = "fit t+normal+laplace on \(tensor.info.name) \(shape) \(tensor.info.dtype)"
    let rate = Double(tensor.count) / median
    if json {
      let object = JSONText.object([
        ("what", JSONText.string(what)),
        ("elements", String(tensor.count)),
        ("seconds", JSONText.number(median)),
        ("elements_per_s", JSONText.number(rate)),
        ("cpu_seconds", JSONText.number(cpuMedian)),
        ("nu", FitJSON.number(report.t?.nu)),
        ("t_loglik", FitJSON.number(report.t?.logLikelihood)),
      ])
      Console.writeOutput(JSONText.array([object]) + "\n")
    } else {
      let nu = report.t?.nu.map { String($0) } ?? "-"
      Console.writeOutput(
        "\(what): \(tensor.count) elements, median \(median) s (CPU \(cpuMedian) s), \(rate / 1e6) M elements/s"
          + " (nu = \(nu))\n")
    }
  }

  /// CPU time of the whole process (all threads): shows the work apart from waiting on a busy machine.
  private static func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  private func benchTensor() throws -> Tensor {
    guard let model else { return SyntheticTensor.studentT(rows: 4096, columns: 11008, kind: .f32) }
    guard let layer else { throw UsageError("bench fit MODEL needs --layer NAME") }
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
