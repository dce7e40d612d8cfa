import ArgumentParser
import Dispatch
import TensorIO

/// What `bench kernel` and `bench fit` share: the tensor timed (a model's tensor, or a synthetic
/// Student's t tensor), how many timed runs, and the output form.
struct BenchTensorOptions: ParsableArguments {
  @Argument(help: "A model file (optional).")
  var model: String?

  @Option(help: "The tensor's exact name (with MODEL).")
  var layer: String?

  @Option(help: "Timed runs (the median is reported).")
  var runs = 7

  @Flag(help: "Print a JSON array instead of a line of text.")
  var json = false

  func validate() throws {
    guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    if model != nil && layer == nil { throw ValidationError("MODEL needs --layer NAME (the tensor to time)") }
  }

  /// The named tensor of MODEL, or `synthetic()` without one.
  func tensor(synthetic: () -> Tensor) throws -> Tensor {
    guard let model, let layer else { return synthetic() }
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

extension SyntheticTensor.Kind: ExpressibleByArgument {}

/// Median timings of a benchmark's runs.
enum BenchTiming {
  /// Runs `work` `runs` times; the medians of wall-clock seconds and of process CPU seconds
  /// (all threads: the work apart from waiting on a busy machine).
  static func medians(runs: Int, _ work: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    var seconds: [Double] = []
    var cpuSeconds: [Double] = []
    for _ in 0..<runs {
      let start = DispatchTime.now().uptimeNanoseconds
      let cpuStart = ProcessCPUClock.seconds()
      try work()
      cpuSeconds.append(ProcessCPUClock.seconds() - cpuStart)
      seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (seconds.sorted()[seconds.count / 2], cpuSeconds.sorted()[cpuSeconds.count / 2])
  }
}
