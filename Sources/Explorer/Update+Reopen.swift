/// `R`: open the model again from its path, after its file changed on disk (or was replaced by a
/// rename, which tscope does not notice by itself). The scheduler opens it off the UI thread and
/// answers `reopened` with the new model, or `reopenFailed` with the one line saying why.
func reopen(_ state: inout State) -> [Effect] {
  guard !state.isReopening else { return [] }
  state.isReopening = true
  return [.reopen]
}

/// Takes the reopened model: its tensors replace the old ones, everything measured on the old
/// bytes is dropped (results, fits, the survey's and the overview's values), the cursor stays on
/// the same row (tensor or block) by name, else the nearest, and the focused tensor loads again.
/// `useModel` comes first, so the load and the survey and overview that `update` restarts read
/// the new model.
func adopt(_ reference: ModelReference, _ state: inout State) -> [Effect] {
  var effects: [Effect] = [.useModel(reference)]
  let oldRows = LayerTree.rows(state)
  let cursorRow = state.cursor < oldRows.count ? oldRows[state.cursor] : nil
  let focusedName = state.focusedTensor.map { state.tensors[$0].name }
  let oldFocus = state.focusedTensor ?? 0

  state.tensors = reference.model.tensors.enumerated().map { TensorEntry(index: $0.offset, info: $0.element) }
  state.results = [:]
  state.inFlight = []
  state.fits = [:]
  state.loaded = nil
  state.fit = .pending
  state.lastRecomputeMilliseconds = nil
  state.surveyedNu = [:]
  state.surveyedSQNR = [:]
  state.surveyAttempts = []
  if let survey = state.survey { effects.append(.cancelSurvey(generation: survey.generation)) }
  state.survey = nil
  state.overview = [:]
  if let overview = state.overviewRequest { effects.append(.cancelOverview(generation: overview.generation)) }
  state.overviewRequest = nil
  if state.shipped != nil { state.shipped = reference.shipped }
  state.shippedResults = [:]
  state.shippedRequest = nil
  state.fileProblem = nil
  state.isReopening = false
  state.focusedTensor = nil
  state.tensorStatus = .none

  guard !state.tensors.isEmpty else {
    state.cursor = 0
    return effects
  }
  // The focused tensor by name, else the one at its old position (the nearest that exists).
  let target =
    focusedName.flatMap { name in state.tensors.firstIndex { $0.name == name } }
    ?? min(oldFocus, state.tensors.count - 1)
  if let group = LayerTree.groupName(of: state.tensors[target].name) { state.expandedGroups.insert(group) }
  let rows = LayerTree.rows(state)
  state.cursor = min(state.cursor, max(rows.count - 1, 0))
  switch cursorRow {
  case .group(let name, _, _)?:
    if let row = rows.firstIndex(where: { if case .group(name, _, _) = $0 { true } else { false } }) {
      state.cursor = row
    }
  case .tensor?, nil:
    if let row = rowIndex(ofTensor: target, in: state) { state.cursor = row }
  }
  effects += focus(&state, on: target)
  return effects
}
