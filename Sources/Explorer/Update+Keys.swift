import Formats

/// Key handling: what each key of SPEC §6 does to the state.
func handle(_ key: Key, _ state: inout State) -> [Effect] {
  if key == .interrupt {
    state.shouldQuit = true
    return []
  }
  if state.isEditingFilter { return editFilter(key, &state) }
  if state.isHelpVisible {
    // Any key closes help; `q` also quits.
    state.isHelpVisible = false
    if key == .character("q") { state.shouldQuit = true }
    return []
  }
  if state.pickerCursor != nil, let effects = pick(key, &state) { return effects }
  if let effects = handlePageKey(key, &state) { return effects }
  switch key {
  case .down, .character("j"): return moveCursor(by: 1, &state)
  case .up, .character("k"): return moveCursor(by: -1, &state)
  case .pageDown: return moveCursor(by: 10, &state)
  case .pageUp: return moveCursor(by: -10, &state)
  case .home: return moveCursor(by: -state.cursor, &state)
  case .end: return moveCursor(by: LayerTree.rows(state).count, &state)
  case .left, .character("h"): collapse(&state)
  case .right, .character("l"): expand(&state)
  case .enter, .space: return select(&state)
  case .character("/"):
    state.isEditingFilter = true
  case .escape:
    if state.isCompareVisible {
      state.isCompareVisible = false
    } else if !state.filter.isEmpty {
      state.filter = ""
      state.cursor = 0
    }
  case .character("f"): state.pickerCursor = FormatChoice.catalogue.firstIndex(of: state.focusedFormat) ?? 0
  case .character(let digit) where digit.isNumber && digit != "0":
    if let number = digit.wholeNumberValue, number <= FormatChoice.catalogue.count {
      toggleFormat(FormatChoice.catalogue[number - 1], &state)
    }
  case .character("s"): cycleSupernormal(state.focusedFormat, &state)
  case .tab: focusNextFormat(&state)
  case .character("g"): state.settings.group = state.settings.group.next
  case .character("m"): state.settings.scale = state.settings.scale.toggled
  case .character("c"): state.isCompareVisible.toggle()
  case .character("e") where state.isCompareVisible: state.compareShowsHistograms.toggle()
  case .character("e"): state.histogramMode = state.histogramMode == .values ? .error : .values
  case .character("y"): state.logY.toggle()
  case .character("z"): state.zoom = min(state.zoom + 1, 6)
  case .character("Z"): state.zoom = max(state.zoom - 1, 0)
  case .character("n"): state.showNormal.toggle()
  case .character("t"): state.themeIndex = (state.themeIndex + 1) % state.themeNames.count
  case .character("o"):
    state.sortKey = state.sortKey.next
    anchorCursor(&state)
  case .character("r"):
    state.rotation = state.rotation.next
    if let focused = state.focusedTensor { return focus(&state, on: focused, reload: true) }
  case .character("R"): return reopen(&state)
  case .character("?"): state.isHelpVisible = true
  case .character("q"): state.shouldQuit = true
  default: break
  }
  return []
}

private func editFilter(_ key: Key, _ state: inout State) -> [Effect] {
  switch key {
  case .enter:
    state.isEditingFilter = false
  case .escape:
    state.isEditingFilter = false
    state.filter = ""
  case .backspace:
    if !state.filter.isEmpty { state.filter.removeLast() }
  case .space:
    state.filter.append(" ")
  case .character(let character):
    state.filter.append(character)
  case .down, .up:
    state.isEditingFilter = false
    return handle(key, &state)
  default:
    break
  }
  state.cursor = 0
  // Show the first match on the right while typing.
  if case .tensor(let index, _, _)? = LayerTree.rows(state).first { return focus(&state, on: index) }
  return []
}

/// Keys while the format picker is open; nil passes the key on to the main handler.
private func pick(_ key: Key, _ state: inout State) -> [Effect]? {
  guard let cursor = state.pickerCursor else { return nil }
  let catalogue = FormatChoice.catalogue
  switch key {
  case .down, .character("j"): state.pickerCursor = min(cursor + 1, catalogue.count - 1)
  case .up, .character("k"): state.pickerCursor = max(cursor - 1, 0)
  case .space, .character("x"):
    toggleFormat(catalogue[cursor], &state)
    if state.selectedFormats.contains(catalogue[cursor]) { state.focusedFormat = catalogue[cursor] }
  case .character("s"):
    state.focusedFormat = catalogue[cursor]
    cycleSupernormal(catalogue[cursor], &state)
  case .enter, .escape, .character("f"):
    state.pickerCursor = nil
  case .character("q"):
    state.pickerCursor = nil
    state.shouldQuit = true
  default:
    return nil
  }
  return []
}

private func moveCursor(by delta: Int, _ state: inout State) -> [Effect] {
  let rows = LayerTree.rows(state)
  guard !rows.isEmpty else { return [] }
  state.cursor = min(max(state.cursor + delta, 0), rows.count - 1)
  if case .tensor(let index, _, _) = rows[state.cursor] { return focus(&state, on: index) }
  return []
}

private func select(_ state: inout State) -> [Effect] {
  let rows = LayerTree.rows(state)
  guard !rows.isEmpty else { return [] }
  state.cursor = min(state.cursor, rows.count - 1)
  switch rows[state.cursor] {
  case .group(let name, _, let isExpanded):
    if isExpanded { state.expandedGroups.remove(name) } else { state.expandedGroups.insert(name) }
    return []
  case .tensor(let index, _, _):
    return focus(&state, on: index)
  }
}

private func collapse(_ state: inout State) {
  let rows = LayerTree.rows(state)
  guard state.cursor < rows.count else { return }
  switch rows[state.cursor] {
  case .group(let name, _, _):
    state.expandedGroups.remove(name)
  case .tensor(let index, _, let depth):
    guard depth > 0, let group = LayerTree.groupName(of: state.tensors[index].name) else { return }
    state.expandedGroups.remove(group)
    state.cursor =
      LayerTree.rows(state).firstIndex {
        if case .group(let name, _, _) = $0 { return name == group }
        return false
      } ?? 0
  }
}

private func expand(_ state: inout State) {
  let rows = LayerTree.rows(state)
  guard state.cursor < rows.count, case .group(let name, _, _) = rows[state.cursor] else { return }
  state.expandedGroups.insert(name)
}

private func toggleFormat(_ choice: FormatChoice, _ state: inout State) {
  if let position = state.selectedFormats.firstIndex(of: choice) {
    state.selectedFormats.remove(at: position)
    if state.focusedFormat == choice, let first = state.selectedFormats.first { state.focusedFormat = first }
  } else {
    // Keep the table in catalogue order so rows do not jump.
    let order = FormatChoice.catalogue
    state.selectedFormats.append(choice)
    state.selectedFormats.sort { (order.firstIndex(of: $0) ?? .max) < (order.firstIndex(of: $1) ?? .max) }
    state.focusedFormat = choice
  }
}

private func cycleSupernormal(_ choice: FormatChoice, _ state: inout State) {
  guard choice.hasSupernormal else {
    state.notice = "\(choice.name) has no supernormal variant (needs a symmetric codebook)"
    return
  }
  state.supernormal[choice] = (state.supernormal[choice] ?? .none).next
}

private func focusNextFormat(_ state: inout State) {
  guard !state.selectedFormats.isEmpty else { return }
  let position = state.selectedFormats.firstIndex(of: state.focusedFormat) ?? -1
  state.focusedFormat = state.selectedFormats[(position + 1) % state.selectedFormats.count]
}

/// Keeps the cursor on the focused tensor's row when the rows reorder (sorting, survey results).
func anchorCursor(_ state: inout State) {
  guard let focused = state.focusedTensor, let row = rowIndex(ofTensor: focused, in: state) else { return }
  state.cursor = row
}
