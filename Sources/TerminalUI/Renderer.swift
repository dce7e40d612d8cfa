import Explorer
import Formats
import Kernels
import Reporting

/// A terminal size in cells.
public struct TerminalSize: Hashable, Sendable {
  public let width: Int
  public let height: Int
  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }
  /// The smallest size the explorer draws in (SPEC §6); below it, a "too small" notice.
  public static let minimum = TerminalSize(width: 40, height: 12)
}

/// Draws the whole explorer: a pure function of the state, so tests compare screens directly.
/// Only this layout reads the `State`: it places the panes and builds each widget (`Widgets/`)
/// from the part of the state that widget draws.
public func render(_ state: State, size: TerminalSize, theme: Theme, glyphs: Glyphs = .unicode) -> Screen {
  var screen = Screen(width: size.width, height: size.height, fill: theme.base)
  let whole = Rect(x: 0, y: 0, width: size.width, height: size.height)
  func draw(_ widget: some Widget, _ area: Rect) { widget.render(area, into: &screen, theme: theme, glyphs: glyphs) }
  guard size.width >= TerminalSize.minimum.width, size.height >= TerminalSize.minimum.height else {
    draw(TooSmallNotice(), whole)
    return screen
  }
  let (width, height) = (size.width, size.height)
  // Frame: title border on row 0, status on row height-2, bottom border on row height-1.
  let bodyTop = 1
  let bodyBottom = height - 3  // exclusive: the separator row above the status line
  // The layer tree's width including its right border (0: hidden on narrow screens or in compare view).
  let treeWidth =
    state.isCompareVisible || state.page != .tensor || width < 60 ? 0 : min(max(width * 3 / 10, 22), 36) + 1
  draw(Frame(treeWidth: treeWidth, separatorY: bodyBottom), whole)
  draw(
    TitleBar(
      modelName: state.modelName, parameterCount: state.parameterCount, tensorCount: state.tensors.count,
      themeName: state.themeName), Rect(x: 0, y: 0, width: width, height: 1))
  if treeWidth > 0 {
    draw(LayerTreeView(state), Rect(x: 1, y: bodyTop, width: treeWidth - 1, height: bodyBottom - bodyTop))
  }
  let fullBody = Rect(x: 1, y: bodyTop, width: width - 2, height: bodyBottom - bodyTop)
  if state.page == .overview {
    draw(OverviewTable(state, glyphs: glyphs), fullBody)
  } else if state.page == .pareto {
    draw(ParetoPlot(state), fullBody)
  } else if state.isCompareVisible {
    let area = fullBody
    if state.selectedFormats.isEmpty {
      draw(MessageView(text: "no format selected: f opens the picker"), area)
    } else if case .ready = state.tensorStatus, state.loaded != nil {
      renderCompare(state, in: area, into: &screen, theme: theme, glyphs: glyphs)
    } else {
      draw(MessageView(text: "compare: waiting for the tensor"), area)
    }
  } else {
    let right = Rect(
      x: treeWidth > 0 ? treeWidth + 1 : 1, y: bodyTop, width: width - (treeWidth > 0 ? treeWidth + 2 : 2),
      height: bodyBottom - bodyTop)
    renderDetail(state, in: right, into: &screen, theme: theme, glyphs: glyphs)
  }
  draw(StatusLine(state), Rect(x: 1, y: height - 2, width: width - 2, height: 1))
  if let cursor = state.pickerCursor {
    let lines = FormatChoice.catalogue.map {
      FormatPicker.Line(
        name: $0.formLabel.map { "  \($0)" } ?? state.displayName($0),
        isSelected: state.selectedFormats.contains($0))
    }
    draw(FormatPicker(lines: lines, cursor: cursor), whole)
  }
  if state.isHelpVisible { draw(HelpOverlay(), whole) }
  return screen
}

/// The right-hand panes: tensor header, histogram with curves and codebook points, error table.
private func renderDetail(_ state: State, in area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
  func draw(_ widget: some Widget, _ area: Rect) { widget.render(area, into: &screen, theme: theme, glyphs: glyphs) }
  guard area.width > 10, area.height > 3 else { return }
  guard let focused = state.focusedTensor else {
    screen.put("no tensor selected", x: area.x + 1, y: area.y, style: theme.mutedStyle)
    return
  }
  let entry = state.tensors[focused]
  var fit: FitOutcome?
  if case .ready = state.tensorStatus { fit = state.fit }
  draw(
    TensorHeader(
      name: entry.name, shape: entry.shapeText, dtype: entry.dtype, fit: fit,
      rotation: TensorHeader.RotationLine(state.loaded)),
    Rect(x: area.x, y: area.y, width: area.width, height: 2))
  let body = Rect(x: area.x, y: area.y + 2, width: area.width, height: area.height - 2)
  switch state.tensorStatus {
  case .unanalysable(let reason):
    draw(MessageView(text: "not analysed: \(reason)", isWarning: true), body)
    return
  case .loading, .none:
    draw(MessageView(text: "loading\(glyphs.ellipsis)"), body)
    return
  case .ready:
    break
  }
  // Split: the table takes its rows (plus a separator); the histogram gets the rest.
  let tableRows = state.selectedFormats.count + 1 + (state.focusedShippedMatch == nil ? 0 : 1)
  // At least the header and the focused row; the histogram keeps at least 3 rows.
  let tableHeight = min(tableRows + 1, max(body.height - 4, 3))
  let histogramArea = Rect(x: body.x, y: body.y, width: body.width, height: body.height - tableHeight)
  if let histogram = HistogramView(state, glyphs: glyphs) { draw(histogram, histogramArea) }
  let separatorY = histogramArea.maxY
  if separatorY < body.maxY {
    let border = theme.borderStyle
    for x in body.x..<body.maxX { screen[x, separatorY] = Cell(glyphs.horizontal, border) }
    screen[body.x - 1, separatorY] = Cell(glyphs.teeRight, border)
    screen[body.maxX, separatorY] = Cell(glyphs.teeLeft, border)
    draw(
      ErrorTable(state, glyphs: glyphs),
      Rect(x: body.x, y: separatorY + 1, width: body.width, height: body.maxY - separatorY - 1))
  }
}

/// The compare view: the SQNR × group table, with the error histograms below where they fit
/// (`e` gives them the whole area).
private func renderCompare(_ state: State, in area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
  func draw(_ widget: some Widget, _ area: Rect) { widget.render(area, into: &screen, theme: theme, glyphs: glyphs) }
  if state.compareShowsHistograms {
    draw(CompareView(state, glyphs: glyphs), area)
    return
  }
  // Title, header, rows, best, lead, story, legend; a blank row before the histograms.
  let tableHeight = min(state.selectedFormats.count + 6, area.height)
  draw(CompareTable(state, glyphs: glyphs), Rect(x: area.x, y: area.y, width: area.width, height: tableHeight))
  let rest = Rect(x: area.x, y: area.y + tableHeight + 1, width: area.width, height: area.height - tableHeight - 1)
  if rest.height >= 12 { draw(CompareView(state, glyphs: glyphs), rest) }
}

// The widgets built from the state: each takes just what it draws.

extension LayerTreeView {
  init(_ state: State) {
    let rows = LayerTree.rows(state).map { row -> Row in
      switch row {
      case .group(let name, let count, let isExpanded):
        return .group(name: name, childCount: count, isExpanded: isExpanded)
      case .tensor(let index, let label, let depth):
        return .tensor(
          label: label, depth: depth, isUnanalysable: state.tensors[index].unanalysableReason != nil,
          isFocused: index == state.focusedTensor, sortValue: sortValue(state, index))
      }
    }
    self.init(
      rows: rows, cursor: state.cursor, filter: state.filter, isEditingFilter: state.isEditingFilter,
      sortLabel: state.sortKey == .name ? nil : state.sortKey.label)
  }
}

/// The value a sorted list is ordered by, for its right-hand column: the element count, ν, or the
/// focused format's SQNR; `…` while the survey has not reached the tensor; nil when sorted by name.
private func sortValue(_ state: State, _ index: Int) -> String? {
  let entry = state.tensors[index]
  switch state.sortKey {
  case .name: return nil
  case .size: return NumberText.abbreviated(entry.count)
  case .nu:
    guard entry.unanalysableReason == nil else { return "-" }
    return state.sortingNu(entry.name).map { NumberText.compact($0) } ?? "…"
  case .error:
    guard entry.unanalysableReason == nil else { return "-" }
    return state.sortingSQNR(entry.name).map { NumberText.fixed($0, digits: 2) } ?? "…"
  }
}

extension StatusLine {
  init(_ state: State) {
    if state.isEditingFilter {
      self.init(content: .filter(state.filter))
    } else if state.isReopening {
      self.init(content: .notice("reopening \(state.modelName)…"))
    } else if let problem = state.fileProblem {
      self.init(content: .notice("\(problem); press R to reopen"))
    } else if let notice = state.notice {
      self.init(content: .notice(notice))
    } else {
      let choice = state.focusedFormat
      let format =
        choice.hasSupernormal
        ? "\(choice.name) supernormal: \((state.supernormal[choice] ?? .none).shortName)" : state.displayName(choice)
      self.init(
        content: .settings(
          group: "\(state.settings.group)", scale: state.settings.scale.rawValue, format: format,
          isComputing: state.isComputing, milliseconds: state.showsTimings ? state.lastRecomputeMilliseconds : nil))
    }
  }
}

extension HistogramView {
  /// The focused tensor's histogram pane; nil before the tensor is loaded.
  init?(_ state: State, glyphs: Glyphs) {
    guard let loaded = state.loaded else { return nil }
    let content: Content
    var codebooks: CodebookPointsView?
    switch state.histogramMode {
    case .values:
      content = .values(
        loaded.histogram, total: Double(loaded.range.finiteCount), hasRange: loaded.range.amax > 0,
        fit: state.fit.summary)
      let rows = state.selectedFormats.enumerated().map { position, choice in
        let outcome = state.key(choice).flatMap { state.results[$0] }
        return CodebookPointsView.Row(
          name: rowName(state, choice, outcome, glyphs), position: position, outcome: outcome)
      }
      if !rows.isEmpty {
        codebooks = CodebookPointsView(
          rows: rows, focused: state.selectedFormats.firstIndex(of: state.focusedFormat) ?? 0, lower: 0, upper: 0,
          labelWidth: 0)
      }
    case .error:
      let name = state.displayName(state.focusedFormat)
      switch state.key(state.focusedFormat).flatMap({ state.results[$0] }) {
      case .done(let result)?: content = .error(result.errorHistogram, formatName: name)
      case .failed(let reason)?: content = .unavailable("\(name) has no result: \(reason)")
      case nil: content = .unavailable("waiting for \(name)")
      }
    }
    self.init(
      content: content, zoom: state.zoom, logY: state.logY, showNormal: state.showNormal,
      longestName: state.selectedFormats.map { DisplayWidth.of(state.displayName($0)) }.max() ?? 0,
      codebooks: codebooks)
  }
}

extension ErrorTable {
  init(_ state: State, glyphs: Glyphs) {
    let shape = state.focusedTensor.map { state.tensors[$0].shape } ?? []
    let rows = state.tableRows.map { row in
      var bits: Double?
      if case .done(let result)? = row.outcome {
        bits = BitsPerWeight.of(result.metrics.format, group: result.metrics.group, shape: shape)
      }
      return Row(
        name: rowName(state, row.choice, row.outcome, glyphs), outcome: row.outcome,
        isWaitingForFit: row.key?.format.needsFittedNu == true && state.fit == .pending, bitsPerWeight: bits,
        isOptimalCodebook: row.choice.id == "lloyd")
    }
    self.init(
      rows: rows, focused: state.tableRows.firstIndex { $0.choice == state.focusedFormat },
      shipped: ShippedRow(state))
  }
}

extension CompareView {
  init(_ state: State, glyphs: Glyphs) {
    let panels = state.selectedFormats.map { choice in
      let outcome = state.key(choice).flatMap { state.results[$0] }
      return Panel(name: rowName(state, choice, outcome, glyphs), outcome: outcome)
    }
    let shipped = state.focusedShippedMatch.map { match in
      Panel(
        name: match.rowName, outcome: nil,
        shipped: match.reason.map { .failed($0) } ?? state.focusedShippedOutcome, isShipped: true)
    }
    // The x̂ histograms of 4-bit formats look alike; the error's shape is where they differ.
    self.init(
      tensorName: state.focusedTensor.map { state.tensors[$0].name } ?? "",
      panels: panels + (shipped.map { [$0] } ?? []),
      mode: .error, zoom: state.zoom, logY: state.logY)
  }
}

extension CompareTable {
  init(_ state: State, glyphs: Glyphs) {
    let grid = state.compareGrid
    let names = grid.rows.map { row in
      rowName(state, row.choice, row.cells[CompareGrid.groups.firstIndex(of: state.settings.group) ?? 0], glyphs)
    }
    self.init(
      tensorName: state.focusedTensor.map { state.tensors[$0].name } ?? "", names: names, grid: grid,
      currentColumn: CompareGrid.groups.firstIndex(of: state.settings.group))
  }
}

/// A format's name as its row shows it: with its variant; `SF4(any ν)` where a format that needs
/// the fitted ν was run without one because its result is exact whatever ν is.
private func rowName(_ state: State, _ choice: FormatChoice, _ outcome: QuantOutcome?, _ glyphs: Glyphs) -> String {
  if case .done(let result)? = outcome, result.isNuIndependent {
    return glyphs.ascii(choice.name.replacingOccurrences(of: "(fit)", with: "(any ν)"))
  }
  // SF4(auto) names the ν its search chose.
  if choice.id == "sf4@auto", case .done(let result)? = outcome, case .codebook(let run) = result.metrics.format,
    let nu = run.nu
  {
    return "SF4(\(NumberText.compact(nu)))"
  }
  return state.displayName(choice)
}

extension ErrorTable.ShippedRow {
  /// The focused tensor's shipped row (`--against`); nil without a shipped model.
  init?(_ state: State) {
    guard let match = state.focusedShippedMatch else { return nil }
    let content: Content
    if let reason = match.reason {
      content = .unavailable(reason)
    } else {
      switch state.focusedShippedOutcome {
      case .done(let result)?: content = .measured(result.error, bitsPerWeight: result.bitsPerWeight)
      case .failed(let reason)?: content = .unavailable(reason)
      case nil: content = .computing
      }
    }
    self.init(name: match.rowName, content: content)
  }
}
