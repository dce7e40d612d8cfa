import ArgumentParser
import Explorer
import Foundation
import Kernels
import Reporting
import TensorIO

/// `tscope bench open MODEL [--layer NAME]`: from start to the first screen's numbers, through the
/// explorer's own session and scheduler, against a plain read of the tensor in the same run.
struct BenchOpenCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "open",
    abstract: "Time opening a model in the explorer: to the histogram, every format's number, exact results.",
    discussion: """
      Opens MODEL as `tscope MODEL` does (the clock starts before the file is opened), focuses the \
      tensor (--layer, else the first one, as the explorer opens), and times until its histogram \
      shows, until every selected format shows a number (estimate or exact), and until every \
      selected format's number and the fit are exact (in JSON also each format's first and exact number). Then times a plain multi-threaded read of the \
      same tensor (`bench read`), the ceiling the other figures are compared with. Run it with the \
      page cache warm (a first run reads the file from disk).
      """)

  @Argument(help: "The model (a sharded folder, *.index.json, .safetensors or .gguf).")
  var model: String

  @Option(help: "The tensor's exact name (default: the first tensor, where the explorer opens).")
  var layer: String?

  @Flag(help: "Print JSON.")
  var json = false

  func run() throws {
    let clock = ContinuousClock()
    let started = clock.now
    let opened = try ModelLocator.open(model).model
    let session = Session(model: opened, modelName: "bench")
    session.send(.start)
    if let layer {
      guard let index = opened.tensors.firstIndex(where: { $0.name == layer }) else {
        throw UsageError("--layer \(layer): no such tensor in \(model)")
      }
      for key in [Key.character("/")] + layer.map(Key.character) + [.enter] { session.send(.key(key)) }
      for _ in 0..<opened.tensors.count where session.state.focusedTensor != index {
        session.send(.key(.down))
      }
      guard session.state.focusedTensor == index else { throw WorkFailure("could not focus \(layer)") }
    }
    guard let focused = session.state.focusedTensor else { throw WorkFailure("\(model): no tensor to open") }
    if case .unanalysable(let reason) = session.state.tensorStatus {
      throw UsageError("\(opened.tensors[focused].name): \(reason)")
    }
    var histogram: Duration?
    var everyNumber: Duration?
    var exact: Duration?
    var fitted: Duration?
    var firstNumber: [String: Duration] = [:]
    var exactNumber: [String: Duration] = [:]
    while exact == nil {
      let state = session.state
      let keys = state.selectedFormats.compactMap(state.key)
      let outcomes = keys.map { state.results[$0] }
      if histogram == nil, state.loaded != nil { histogram = clock.now - started }
      if fitted == nil, state.fit != .pending { fitted = clock.now - started }
      for (choice, key) in zip(state.selectedFormats, keys) where state.results[key] != nil {
        let label = state.spec(choice).id
        if firstNumber[label] == nil { firstNumber[label] = clock.now - started }
        if exactNumber[label] == nil, case .done(let result)? = state.results[key], !result.isEstimate {
          exactNumber[label] = clock.now - started
        }
      }
      if everyNumber == nil, outcomes.allSatisfy({ $0 != nil }) { everyNumber = clock.now - started }
      let allExact = outcomes.allSatisfy { outcome in
        switch outcome {
        case .done(let result)?: !result.isEstimate
        case .failed?: true
        case nil: false
        }
      }
      if allExact, state.fit != .pending, case .ready = state.tensorStatus { exact = clock.now - started }
      if exact == nil, !session.absorbNextResults(until: Date() + 600) {
        throw WorkFailure("the explorer stopped before every number was exact")
      }
    }
    let tensor = opened.tensor(at: focused)
    let readStarted = clock.now
    _ = try ReadBaseline.sum(tensor)
    let read = clock.now - readStarted

    let seconds = { (duration: Duration?) in
      duration.map { Double($0.components.seconds) + Double($0.components.attoseconds) * 1e-18 } ?? .nan
    }
    let name = opened.tensors[focused].name
    let formats = session.state.selectedFormats.count
    if json {
      Console.writeOutput(
        """
        {"tensor": \(JSONText.string(name)), "elements": \(tensor.count), "formats": \(formats), \
        "histogram_s": \(seconds(histogram)), "every_number_s": \(seconds(everyNumber)), \
        "fit_s": \(seconds(fitted)), "exact_s": \(seconds(exact)), "read_s": \(seconds(read)), \
        "first_number_s": {\(firstNumber.sorted { $0.key < $1.key }.map { "\(JSONText.string($0.key)): \(seconds($0.value))" }.joined(separator: ", "))}, \
        "exact_number_s": {\(exactNumber.sorted { $0.key < $1.key }.map { "\(JSONText.string($0.key)): \(seconds($0.value))" }.joined(separator: ", "))}, \
        "exact_over_read": \(seconds(exact) / seconds(read))}

        """)
    } else {
      let text = { (value: Duration?) in String(format: "%8.3f s", seconds(value)) }
      Console.writeOutput(
        """
        open \(name) (\(tensor.count) elements, \(formats) formats)
          histogram shows            \(text(histogram))
          every format has a number  \(text(everyNumber))   (\(firstNumber.sorted { $0.value < $1.value }.map { "\($0.key) \(String(format: "%.3f", seconds($0.value)))" }.joined(separator: ", ")))
          the fit                    \(text(fitted))
          every number and fit exact \(text(exact))   (\(String(format: "%.1f", seconds(exact) / seconds(read)))× a plain read)
          plain read of the tensor   \(text(read))

        """)
    }
  }
}
