import Formats

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
    if tensor.range.finiteCount == 0 {
      next.tensorStatus = .unanalysable("no finite values: every element is NaN or infinite")
      break
    }
    next.tensorStatus = .ready
    if let fit = next.fits[tensor.fitName] {
      next.fit = fit
    } else {
      next.fit = .pending
      effects.append(.fit(generation: generation, tensor: LoadedTensorReference(tensor)))
    }
  case .loadFailed(let generation, _, let reason):
    guard generation == next.generation else { break }
    next.tensorStatus = .unanalysable(reason)
  case .fitted(let generation, let tensor, let fit):
    next.fits[tensor] = .fitted(fit)
    guard generation == next.generation else { break }
    next.fit = .fitted(fit)
  case .fitFailed(let generation, let tensor, let reason):
    next.fits[tensor] = .failed(reason)
    guard generation == next.generation else { break }
    next.fit = .failed(reason)
  case .quantized(let generation, let key, let result):
    // A result from an older focus is stale: its task was cancelled and its answer is dropped.
    guard generation == next.generation else { break }
    if result.isEstimate, case .done(let known)? = next.results[key], !known.isEstimate { break }
    next.results[key] = .done(result)
    if !result.isEstimate {
      next.inFlight.remove(key)
      next.lastRecomputeMilliseconds = result.milliseconds
    }
  case .estimatedBeforeFit(let generation, let key, let result):
    guard generation == next.generation else { break }
    if let result, next.results[key] == nil { next.results[key] = .done(result) }
    next.inFlight.remove(key)
  case .quantizeFailed(let generation, let key, let reason):
    guard generation == next.generation else { break }
    next.results[key] = .failed(reason)
    next.inFlight.remove(key)
  case .surveyed(let generation, let name, let nu, let key, let sqnr):
    guard let survey = next.survey, generation == survey.generation else { break }
    next.surveyAttempts.insert(SurveyAttempt(tensor: name, format: survey.format, settings: survey.settings))
    if let nu { next.surveyedNu[name] = nu }
    if let key, let sqnr { next.surveyedSQNR[key] = sqnr }
    anchorCursor(&next)
  case .surveyFinished(let generation):
    if generation == next.survey?.generation { next.survey = nil }
  case .overviewMeasured(let generation, let cells):
    guard generation == next.overviewRequest?.generation else { break }
    for (key, cell) in cells where cell.isEstimate == false || next.overview[key]?.isEstimate != false {
      next.overview[key] = cell
    }
  case .overviewFinished(let generation):
    if generation == next.overviewRequest?.generation { next.overviewRequest = nil }
  case .fileChanged(let line):
    next.fileProblem = line
  case .reopened(let reference):
    effects += adopt(reference, &next)
  case .reopenFailed(let line):
    next.isReopening = false
    next.fileProblem = line
  case .shippedMeasured(let tensor, let outcome):
    absorbShipped(tensor, outcome, &next)
  }
  effects += reconcile(&next)
  effects += reconcileSurvey(&next)
  effects += reconcileOverview(&next)
  effects += reconcileShipped(&next)
  return (next, effects)
}

/// Starts the kernel runs the screen needs and cancels those it no longer needs.
func reconcile(_ state: inout State) -> [Effect] {
  guard case .ready = state.tensorStatus, let loaded = state.loaded else { return [] }
  var effects: [Effect] = []
  var wanted: Set<QuantKey> = []
  // The table's keys first, then the compare view's grid (the same key at other groups).
  for key in state.selectedFormats.compactMap(state.key) + state.compareKeys {
    guard wanted.insert(key).inserted else { continue }
    // A format that needs ν waits for the fit; after a failed one it runs without ν (and the
    // result is kept only where ν cannot matter).
    let needsFit = key.format.needsFittedNu
    if needsFit && state.fit == .pending {
      // On a tensor larger than its row sample, an estimate at a quick ν shows while the fit runs.
      if !loaded.sampleIsWhole, state.results[key] == nil, !state.inFlight.contains(key) {
        state.inFlight.insert(key)
        effects.append(
          .estimateBeforeFit(generation: state.generation, key: key, tensor: LoadedTensorReference(loaded)))
      }
      continue
    }
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
        fittedNu: needsFit ? state.fit.summary?.nu : nil))
  }
  let stale = state.inFlight.subtracting(wanted)
  if !stale.isEmpty {
    state.inFlight.subtract(stale)
    effects.insert(.cancelStale(generation: state.generation, keep: wanted), at: 0)
  }
  return effects
}

/// Makes tensor `index` the focused one: a new generation, its load started, older work cancelled.
/// `reload` loads it again although it is focused (the rotation changed).
func focus(_ state: inout State, on index: Int, reload: Bool = false) -> [Effect] {
  guard state.focusedTensor != index || reload else { return [] }
  state.focusedTensor = index
  state.generation += 1
  state.loaded = nil
  state.fit = state.fits[State.fitName(state.tensors[index].name, rotation: state.rotation)] ?? .pending
  state.inFlight = []
  var effects: [Effect] = [.cancelStale(generation: state.generation, keep: [])]
  if let reason = state.tensors[index].unanalysableReason {
    state.tensorStatus = .unanalysable(reason)
  } else {
    state.tensorStatus = .loading
    effects.append(.load(generation: state.generation, index: index, rotation: state.rotation))
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

/// Starts the background survey when the sort order needs values some tensors lack, and
/// replaces a running one whose format, group or scaling is no longer the sort's.
func reconcileSurvey(_ state: inout State) -> [Effect] {
  guard state.sortKey == .nu || state.sortKey == .error else {
    guard let running = state.survey else { return [] }
    state.survey = nil
    return [.cancelSurvey(generation: running.generation)]
  }
  let format = state.sortKey == .error ? state.spec(state.focusedFormat) : nil
  if let running = state.survey, running.format == format && running.settings == state.settings { return [] }
  let missing = state.tensors.filter { entry in
    guard entry.unanalysableReason == nil else { return false }
    if state.surveyAttempts.contains(state.surveyAttempt(entry.name, format: format)) { return false }
    if format == nil { return state.sortingNu(entry.name) == nil }
    return state.sortingSQNR(entry.name) == nil
  }.map(\.index)
  var effects: [Effect] = []
  if let running = state.survey {
    effects.append(.cancelSurvey(generation: running.generation))
    state.survey = nil
  }
  guard !missing.isEmpty else { return effects }
  state.surveyGeneration += 1
  let request = SurveyRequest(
    generation: state.surveyGeneration, tensors: missing, format: format, settings: state.settings)
  state.survey = request
  effects.append(.survey(request))
  return effects
}
