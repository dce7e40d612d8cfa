import ArgumentParser
import Explorer
import Foundation
import Kernels
import TensorIO
import TerminalUI

/// `tscope bench toggle`: key press to updated error table, through the same update / effect
/// path the explorer uses, on one large tensor.
struct BenchToggleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "toggle",
    abstract: "Time toggle-to-table (and redraws during a recompute) on one tensor.",
    discussion: """
      Each toggle presses s (the next supernormal variant of E2M1), which needs a new kernel run over \
      the whole tensor: cached results other than the table's are dropped before each toggle, so none \
      is served from the cache. Reports the time \
      from the key to the sampled estimate in the table and to the full result, and the time to \
      update and redraw the screen for a key pressed while that computation runs.
      """
  )

  @Argument(help: "The model (default: a synthetic 4096x11008 Student's t tensor, 45M elements).")
  var model: String?

  @Option(help: "The tensor to use (default: the model's largest analysable tensor).")
  var layer: String?

  @Option(help: "The group size the toggles run at (tensor, channel, or a count of the explorer's g cycle).")
  var group: GroupSize = .standard

  @Option(help: "Number of timed toggles.")
  var toggles = 20

  @Flag(help: "Print JSON.")
  var json = false

  func run() throws {
    guard toggles > 0 else { throw UsageError("--toggles must be positive") }
    guard GroupSize.cycle.contains(group) else {
      throw UsageError("--group \(group): the explorer's g cycle has \(GroupSize.cycle.map(\.description))")
    }
    let opened: Model =
      try model.map { try ModelLocator.open($0).model }
      ?? Model(
        path: "synthetic",
        tensors: [SyntheticTensor.studentT(rows: 4096, columns: 11008, kind: .f32)], metadata: [:])
    let entries = opened.tensors.enumerated().map { TensorEntry(index: $0.offset, info: $0.element) }
    let target: TensorEntry
    if let layer {
      guard let named = entries.first(where: { $0.name == layer }) else {
        throw UsageError("--layer \(layer): no such tensor in \(opened.path)")
      }
      target = named
    } else {
      guard let largest = entries.filter({ $0.unanalysableReason == nil }).max(by: { $0.count < $1.count }) else {
        throw UsageError("\(opened.path): no analysable tensor")
      }
      target = largest
    }
    guard target.unanalysableReason == nil else {
      throw UsageError("--layer \(target.name): \(target.unanalysableReason!)")
    }

    let session = Session(model: opened, modelName: "bench")
    let clock = ContinuousClock()
    // Focus the tensor with the filter (the same keys a user would press), then let it load and fit.
    for key in [Key.character("/")] + target.name.map(Key.character) + [.enter] { session.send(.key(key)) }
    // The filter matches substrings: step down to the exact tensor if another matched first.
    for _ in 0..<entries.count where session.state.focusedTensor != target.index {
      session.send(.key(.down))
    }
    session.settle()
    guard session.state.focusedTensor == target.index else { throw WorkFailure("could not focus \(target.name)") }
    // Untimed: the group size, with the key a user would press.
    while session.state.settings.group != group {
      session.send(.key(.character("g")))
    }
    session.settle()

    var toFull: [Double] = []
    var toEstimate: [Double] = []
    var redraws: [Double] = []
    var cpu: [Double] = []
    let size = TerminalSize(width: 120, height: 40)
    while toFull.count < toggles {
      // Untimed: the variant the key brings may have been computed before (the cycle has three).
      session.forgetResultsOutsideTheTable()
      let started = clock.now
      let cpuStarted = ProcessCPUClock.seconds()
      session.send(.key(.character("s")))
      let key = session.state.key(session.state.focusedFormat)!
      // A key pressed while the kernel runs: time its update and full redraw.
      let redrawStart = clock.now
      session.send(.key(.character("y")))
      _ = render(session.state, size: size, theme: .defaultDark)
      redraws.append(milliseconds(clock.now - redrawStart))
      session.send(.key(.character("y")))
      var estimateSeen = false
      // Wait on the scheduler's inbox as the UI loop does: each result is seen the moment it is posted.
      while true {
        if !estimateSeen, session.state.results[key] != nil {
          estimateSeen = true
          toEstimate.append(milliseconds(clock.now - started))
        }
        if case .done(let result)? = session.state.results[key], !result.isEstimate, session.state.inFlight.isEmpty {
          break
        }
        if case .failed(let reason)? = session.state.results[key] { throw WorkFailure("kernel failed: \(reason)") }
        guard session.absorbNextResults(until: Date() + 600) else {
          throw WorkFailure("the kernel stopped without a result for \(key.format)")
        }
      }
      _ = render(session.state, size: size, theme: .defaultDark)
      toFull.append(milliseconds(clock.now - started))
      cpu.append((ProcessCPUClock.seconds() - cpuStarted) * 1e3)
    }
    let report = BenchToggleReport(
      elements: target.count, toFull: toFull, toEstimate: toEstimate, redraws: redraws, cpu: cpu,
      tensor: target.name, group: group)
    Console.writeOutput(json ? report.json : report.text)
  }

  private func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) * 1e-15
  }
}

/// The numbers `bench toggle` prints.
struct BenchToggleReport {
  let elements: Int
  let toFull: [Double]
  let toEstimate: [Double]
  let redraws: [Double]
  /// CPU time (all threads) per toggle: on a shared machine, wall time also counts other processes.
  let cpu: [Double]
  let tensor: String
  let group: GroupSize

  static func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
  }

  var text: String {
    func line(_ label: String, _ values: [Double], goal: String) -> String {
      "\(label): p50 \(round1(Self.percentile(values, 50))) ms, p95 \(round1(Self.percentile(values, 95))) ms, "
        + "max \(round1(values.max() ?? 0)) ms (\(goal))\n"
    }
    return "toggle on \(tensor) (\(elements) elements, group \(group)), \(toFull.count) toggles\n"
      + line("key -> sampled estimate in table", toEstimate, goal: "first answer")
      + line("key -> full result in table", toFull, goal: "goal p95 <= 100 ms")
      + line("redraw during a recompute", redraws, goal: "goal <= 50 ms")
      + line("CPU time per toggle, all threads", cpu, goal: "wall time on idle cores is about this / cores")
  }

  var json: String {
    let median = Self.percentile(toFull, 50) / 1e3
    let fields: [(String, String)] = [
      ("what", "\"toggle\""), ("elements", "\(elements)"), ("seconds", "\(median)"),
      ("elements_per_s", "\(median > 0 ? Double(elements) / median : 0)"), ("toggles", "\(toFull.count)"),
      ("p50_ms", "\(Self.percentile(toFull, 50))"), ("p95_ms", "\(Self.percentile(toFull, 95))"),
      ("estimate_p50_ms", "\(Self.percentile(toEstimate, 50))"),
      ("estimate_p95_ms", "\(Self.percentile(toEstimate, 95))"),
      ("redraw_p50_ms", "\(Self.percentile(redraws, 50))"), ("redraw_p95_ms", "\(Self.percentile(redraws, 95))"),
      ("cpu_p50_ms", "\(Self.percentile(cpu, 50))"), ("cpu_p95_ms", "\(Self.percentile(cpu, 95))"),
      ("full_ms", "[" + toFull.map { "\($0)" }.joined(separator: ", ") + "]"),
      ("cpu_ms", "[" + cpu.map { "\($0)" }.joined(separator: ", ") + "]"),
      ("tensor", "\"\(tensor)\""), ("group", "\"\(group)\""),
    ]
    return "[{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}]\n"
  }

  private func round1(_ value: Double) -> String {
    let scaled = (value * 10).rounded() / 10
    return String(scaled)
  }
}
