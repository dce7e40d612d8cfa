import ArgumentParser
import Dispatch
import Fits
import Foundation
import Reporting
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

  @OptionGroup var tensorOptions: BenchTensorOptions

  func run() async throws {
    let tensor = try tensorOptions.tensor { SyntheticTensor.studentT(rows: 4096, columns: 11008, kind: .f32) }
    let report = try TensorFits.fit(tensor)
    let (median, cpuMedian) = try BenchTiming.medians(runs: tensorOptions.runs) { _ = try TensorFits.fit(tensor) }
    let shape = tensor.info.shape.map(String.init).joined(separator: "x")
    let what = "fit t+normal+laplace on \(tensor.info.name) \(shape) \(tensor.info.dtype)"
    let rate = Double(tensor.count) / median
    if tensorOptions.json {
      let object = JSONText.object([
        ("what", JSONText.string(what)),
        ("elements", String(tensor.count)),
        ("seconds", JSONText.number(median)),
        ("elements_per_s", JSONText.number(rate)),
        ("cpu_seconds", JSONText.number(cpuMedian)),
        ("nu", JSONText.number(report.t?.nu)),
        ("t_loglik", JSONText.number(report.t?.logLikelihood)),
      ])
      Console.writeOutput(JSONText.array([object]) + "\n")
    } else {
      let nu = report.t?.nu.map { String($0) } ?? "-"
      Console.writeOutput(
        "\(what): \(tensor.count) elements, median \(median) s (CPU \(cpuMedian) s), \(rate / 1e6) M elements/s"
          + " (nu = \(nu))\n")
    }
  }
}
