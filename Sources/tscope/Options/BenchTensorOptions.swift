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
    var times: [(wall: Double, cpu: Double)] = []
    for _ in 0..<runs { times.append(try timed(work)) }
    return (median(times.map(\.wall)), median(times.map(\.cpu)))
  }

  /// The timings of two pieces of work run alternately, `runs` pairs: each one's median wall and
  /// CPU seconds, and the median over the pairs of first's wall time over second's. A ratio taken
  /// within each pair sees the machine as both pieces did, where medians taken apart could come
  /// from a quiet moment for one and a busy one for the other.
  static func pairs(runs: Int, _ first: () throws -> Void, _ second: () throws -> Void) rethrows -> (
    first: (wall: Double, cpu: Double), second: (wall: Double, cpu: Double), firstOverSecond: Double
  ) {
    var firstTimes: [(wall: Double, cpu: Double)] = []
    var secondTimes: [(wall: Double, cpu: Double)] = []
    for run in 0..<runs {
      // Each goes first in every other pair, so that neither always runs in the wake of the other.
      if run % 2 == 0 {
        firstTimes.append(try timed(first))
        secondTimes.append(try timed(second))
      } else {
        secondTimes.append(try timed(second))
        firstTimes.append(try timed(first))
      }
    }
    let ratios = zip(firstTimes, secondTimes).map { $0.wall / $1.wall }
    return (
      (median(firstTimes.map(\.wall)), median(firstTimes.map(\.cpu))),
      (median(secondTimes.map(\.wall)), median(secondTimes.map(\.cpu))), median(ratios)
    )
  }

  private static func timed(_ work: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let cpuStart = ProcessCPUClock.seconds()
    try work()
    let cpu = ProcessCPUClock.seconds() - cpuStart
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpu)
  }

  private static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
