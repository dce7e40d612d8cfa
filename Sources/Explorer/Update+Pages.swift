import TensorIO

/// Keys of the overview and Pareto pages; nil passes the key on to the main handler (formats,
/// group, scaling, theme, help and quit work on every page).
func handlePageKey(_ key: Key, _ state: inout State) -> [Effect]? {
  switch (state.page, key) {
  case (_, .character("v")):
    state.page = state.page == .overview ? .tensor : .overview
    return []
  case (_, .character("p")):
    state.page = state.page == .pareto ? .tensor : .pareto
    return []
  case (.tensor, _):
    return nil
  case (_, .escape):
    state.page = .tensor
    return []
  case (.pareto, .character("x")):
    state.overviewView.cost = state.overviewView.cost.next
    return []
  case (.pareto, .character("w")):
    state.overviewView.quality = state.overviewView.quality.next
    return []
  case (.overview, .character("d")):
    state.overviewView.showsDelta.toggle()
    return []
  case (.overview, .down), (.overview, .character("j")): return moveOverviewCursor(by: 1, &state)
  case (.overview, .up), (.overview, .character("k")): return moveOverviewCursor(by: -1, &state)
  case (.overview, .pageDown): return moveOverviewCursor(by: 10, &state)
  case (.overview, .pageUp): return moveOverviewCursor(by: -10, &state)
  case (.overview, .home): return moveOverviewCursor(by: -state.overviewView.cursor, &state)
  case (.overview, .end): return moveOverviewCursor(by: OverviewRows.rows(state).count, &state)
  case (.overview, .enter), (.overview, .space), (.overview, .right), (.overview, .character("l")):
    return openOverviewRow(&state, opensTensor: key == .enter || key == .space)
  case (.overview, .left), (.overview, .character("h")):
    collapseOverviewRow(&state)
    return []
  default:
    return nil
  }
}

private func moveOverviewCursor(by delta: Int, _ state: inout State) -> [Effect] {
  let count = OverviewRows.rows(state).count
  state.overviewView.cursor = min(max(state.overviewView.cursor + delta, 0), max(count - 1, 0))
  return []
}

/// Enter on a layer type expands or collapses it; on a tensor it opens the tensor page on it.
private func openOverviewRow(_ state: inout State, opensTensor: Bool) -> [Effect] {
  let rows = OverviewRows.rows(state)
  guard state.overviewView.cursor < rows.count else { return [] }
  switch rows[state.overviewView.cursor] {
  case .model:
    return []
  case .layerType(let type, _, let isExpanded):
    if isExpanded && opensTensor {
      state.overviewView.expanded.remove(type)
    } else {
      state.overviewView.expanded.insert(type)
    }
    return []
  case .tensor(let index):
    guard opensTensor else { return [] }
    state.page = .tensor
    if let group = LayerTree.groupName(of: state.tensors[index].name) { state.expandedGroups.insert(group) }
    state.filter = ""
    let effects = focus(&state, on: index)
    anchorCursor(&state)
    return effects
  }
}

/// Left on a tensor collapses its layer type and moves the cursor onto it.
private func collapseOverviewRow(_ state: inout State) {
  let rows = OverviewRows.rows(state)
  guard state.overviewView.cursor < rows.count else { return }
  let type: LayerType
  switch rows[state.overviewView.cursor] {
  case .model: return
  case .layerType(let selected, _, _): type = selected
  case .tensor(let index): type = LayerType(tensorName: state.tensors[index].name)
  }
  state.overviewView.expanded.remove(type)
  state.overviewView.cursor =
    OverviewRows.rows(state).firstIndex {
      if case .layerType(type, _, _) = $0 { return true }
      return false
    } ?? 0
}
