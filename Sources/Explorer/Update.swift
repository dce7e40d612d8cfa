/// The explorer's pure transition: a state and an action give the next state and the work to
/// start. No clock, no I/O, no threads: everything slow comes back later as another action.
public func update(_ state: State, _ action: Action) -> (State, [Effect]) {
  var next = state
  next.notice = nil
  var effects: [Effect] = []
  switch action {
  case .start:
    if let first = next.tensors.first(where: { $0.unanalysableReason == nil }) ?? next.tensors.first {
      if let group = LayerTree.groupName(of: first.name) { next.expandedGroups.insert(group) }
      next.cursor = rowIndex(ofTensor: first.index, in: next) ?? 0
      effects += focus(&next, on: first.index)
    }
  case .key(let key):
    effects += handle(key, &next)
  case .loaded(let generation, let tensor):
    guard generation == next.generation, next.focusedTensor == tensor.entry.index else { break }
    next.loaded = tensor
    if tensor.finiteCount == 0 {
      next.tensorStatus = .unanalysable("no finite values: every element is NaN or infinite")
      break
    }
    next.tensorStatus = .ready
    if let fit = next.fits[tensor.entry.name] {
      next.fit = fit
    } else {
      effects.append(.fit(generation: generation, tensor: LoadedTensorReference(tensor)))
    }
  case .loadFailed(let generation, _, let reason):
    guard generation == next.generation else { break }
    next.tensorStatus = .unanalysable(reason)
  case .fitted(let generation, let tensor, let fit):
    next.fits[tensor] = fit
    next.summaries[tensor, default: TensorSummary()].nu = fit.nu
    guard generation == next.generation else { break }
    next.fit = fit
  case .fitFailed(let generation, _, let reason):
    guard generation == next.generation else { break }
    next.notice = "fit failed: \(reason)"
  case .quantized(let generation, let key, let result):
    // A result from an older focus is stale: its task was cancelled and its answer is dropped.
    guard generation == next.generation else { break }
    if result.isEstimate, case .done(let known)? = next.results[key], !known.isEstimate { break }
    next.results[key] = .done(result)
    if !result.isEstimate {
      next.inFlight.remove(key)
      next.lastRecomputeMilliseconds = result.milliseconds
      let worst = min(next.summaries[key.tensor]?.worstSQNR ?? .infinity, result.sqnrDB)
      next.summaries[key.tensor, default: TensorSummary()].worstSQNR = worst
    }
  case .quantizeFailed(let generation, let key, let reason):
    guard generation == next.generation else { break }
    next.results[key] = .failed(reason)
    next.inFlight.remove(key)
  }
  effects += reconcile(&next)
  return (next, effects)
}

/// Starts the kernel runs the screen needs and cancels those it no longer needs.
func reconcile(_ state: inout State) -> [Effect] {
  guard case .ready = state.tensorStatus, let loaded = state.loaded else { return [] }
  var effects: [Effect] = []
  var wanted: Set<QuantKey> = []
  for id in state.selectedFormats {
    guard let key = state.key(id) else { continue }
    wanted.insert(key)
    let needsFit = id.hasSuffix("@fit")
    if needsFit && state.fit == nil { continue }
    if let outcome = state.results[key] {
      if case .done(let result) = outcome, result.isEstimate, !state.inFlight.contains(key) {
      } else {
        continue
      }
    }
    if state.inFlight.contains(key) { continue }
    state.inFlight.insert(key)
    effects.append(
      .quantize(
        generation: state.generation, key: key, tensor: LoadedTensorReference(loaded),
        fittedNu: needsFit ? state.fit?.nu : nil))
  }
  let stale = state.inFlight.subtracting(wanted)
  if !stale.isEmpty {
    state.inFlight.subtract(stale)
    effects.insert(.cancelStale(generation: state.generation, keep: wanted), at: 0)
  }
  return effects
}

/// Makes tensor `index` the focused one: a new generation, its load started, older work cancelled.
func focus(_ state: inout State, on index: Int) -> [Effect] {
  guard state.focusedTensor != index else { return [] }
  state.focusedTensor = index
  state.generation += 1
  state.loaded = nil
  state.fit = state.fits[state.tensors[index].name]
  state.inFlight = []
  var effects: [Effect] = [.cancelStale(generation: state.generation, keep: [])]
  if let reason = state.tensors[index].unanalysableReason {
    state.tensorStatus = .unanalysable(reason)
  } else {
    state.tensorStatus = .loading
    effects.append(.load(generation: state.generation, index: index))
  }
  return effects
}

/// The position of the tree row showing tensor `index`, if visible.
func rowIndex(ofTensor index: Int, in state: State) -> Int? {
  LayerTree.rows(state).firstIndex {
    if case .tensor(let candidate, _, _) = $0 { return candidate == index }
    return false
  }
}
