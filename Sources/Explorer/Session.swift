import Formats
import Foundation
import TensorIO

/// The explorer's loop without a terminal: holds the state, feeds actions through `update`,
/// hands effects to the scheduler and folds its results back in. The UI, `snapshot` and
/// `bench toggle` all drive this one path. Used from a single thread.
public final class Session {
  public private(set) var state: State
  public let scheduler: Scheduler

  /// `showsTimings: false` keeps run-to-run timings off the screen (for headless, comparable output).
  public init(
    model: Model, modelName: String, themeNames: [String] = ["default"], themeIndex: Int = 0, showsTimings: Bool = true,
    importance: ImportanceMatrix? = nil, costs: HardwareCostTable = .paper, against shipped: Model? = nil
  ) {
    let entries = model.tensors.enumerated().map { TensorEntry(index: $0.offset, info: $0.element) }
    let comparison = shipped.map { ShippedComparison(original: model, shipped: $0) }
    state = State(
      modelName: comparison.map { "\(modelName) vs \($0.modelName)" } ?? modelName, tensors: entries,
      themeNames: themeNames, themeIndex: themeIndex)
    state.showsTimings = showsTimings
    state.costs = costs
    state.shipped = comparison
    scheduler = Scheduler(model: model, importance: importance, shipped: comparison)
  }

  /// Applies one action now; its effects start in the background.
  public func send(_ action: Action) {
    let (next, effects) = update(state, action)
    state = next
    scheduler.run(effects)
  }

  /// Forgets the cached kernel results other than the table's, so that a key that brings back an
  /// earlier choice computes it again. Only benchmarks call this: they time the computation,
  /// not the cache.
  public func forgetResultsOutsideTheTable() {
    let shown = Set(state.tableRows.compactMap(\.key))
    state.results = state.results.filter { shown.contains($0.key) }
  }

  /// Folds in every result that has arrived; true when the state changed.
  @discardableResult
  public func absorbResults() -> Bool {
    let results = scheduler.takeResults()
    let replacements = scheduler.replacements
    for result in results {
      // A reopened model was taken: the rest of the batch is the old model's work.
      guard scheduler.replacements == replacements else { break }
      send(result)
    }
    return !results.isEmpty
  }

  /// Waits until no work is running and every result is folded in (headless use). Blocks the
  /// calling thread; the work runs on the scheduler's threads.
  public func settle() {
    while true {
      absorbResults()
      if !scheduler.waitForResults() { return }
    }
  }

  /// Waits for the next results (or until no work is running, or `deadline`) and folds them in;
  /// true when any arrived. Blocks the calling thread; a result is seen as soon as it is posted.
  @discardableResult
  public func absorbNextResults(until deadline: Date) -> Bool {
    if absorbResults() { return true }
    guard scheduler.waitForResults(until: deadline) else { return false }
    return absorbResults()
  }
}
