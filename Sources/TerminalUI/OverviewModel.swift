import Explorer
import Formats
import Kernels
import Reporting
import TensorIO

/// The overview's numbers from the explorer's cells, by the rules `report` uses: each known cell
/// becomes a report row (SQNR, bits per weight, layer type), and Reporting's tallies give the
/// means, weighted means, wins and the Pareto frontier, so the screen and `report` agree.
struct OverviewModel {
  let choices: [FormatChoice]
  let names: [String]
  let rows: [ReportRow]
  /// (tensor name, format id) of cells that are still estimates.
  let estimated: Set<[String]>

  init(_ state: State) {
    choices = state.selectedFormats
    names = choices.map(state.displayName)
    var rows: [ReportRow] = []
    var estimated: Set<[String]> = []
    for entry in state.tensors where entry.unanalysableReason == nil {
      for choice in choices {
        guard let cell = state.overview[state.overviewKey(entry.index, choice)] else { continue }
        let spec = state.spec(choice)
        let bits = BitsPerWeight.of(
          spec.storedFormat, group: state.settings.effective(for: spec.storedFormat).group, shape: entry.shape)
        rows.append(
          ReportRow(
            name: entry.name, format: spec.id, group: "\(state.settings.group)",
            scaleMode: state.settings.scale.rawValue, count: entry.count, nu: nil, tScale: nil, normalStd: nil,
            bestFit: nil, mse: nil, sqnrDB: cell.sqnrDB, maxAbsError: nil, relativeL2: nil, reason: cell.reason,
            bitsPerWeight: bits, layerType: LayerType(tensorName: entry.name).rawValue))
        if cell.isEstimate { estimated.insert([entry.name, spec.id]) }
      }
    }
    self.rows = rows
    self.estimated = estimated
    ids = choices.map { state.spec($0).id }
  }

  /// The selected formats' ids, in column order.
  let ids: [String]

  /// The ranked line of a tally's means (weighted or not); a cell is an estimate when any of
  /// the rows it averages is.
  func meanLine(_ label: String, rows subset: [ReportRow], weighted: Bool = false, depth: Int = 0) -> OverviewTable.Line
  {
    let tally = SQNRTally(subset)
    let values = ids.map { id in tally.entries[id].flatMap { weighted ? $0.weightedMean : $0.mean } }
    let isEstimate = ids.map { id in subset.contains { $0.format == id && estimated.contains([$0.name, id]) } }
    // A format measured on every row here but without an SQNR: exact (all-zero tensors too: no
    // error, though no signal), or nothing to measure.
    let exact: Set<String> = [QuantizationMetrics.exactReason, QuantizationMetrics.allZeroReason]
    let notes = ids.map { id -> String? in
      let measured = subset.filter { $0.format == id }
      guard !measured.isEmpty, measured.allSatisfy({ $0.sqnrDB == nil }) else { return nil }
      return measured.allSatisfy { $0.reason.map(exact.contains) == true } ? "exact" : "n/a"
    }
    return OverviewTable.Line(label: label, depth: depth, values: values, isEstimate: isEstimate, notes: notes)
  }

  /// The model summary: mean, parameter-weighted mean, wins and bits per weight.
  var summary: [FormatSummary] { FormatSummary.summarize(rows) }
}

extension OverviewTable {
  init(_ state: State, glyphs: Glyphs) {
    let model = OverviewModel(state)
    var lines: [Line] = []
    var cursorLine = 0
    let summary = Dictionary(uniqueKeysWithValues: model.summary.map { ($0.format, $0) })
    for (position, row) in OverviewRows.rows(state).enumerated() {
      if position == state.overviewView.cursor { cursorLine = lines.count }
      switch row {
      case .model:
        lines.append(model.meanLine("model: mean SQNR", rows: model.rows))
        var weighted = model.meanLine("parameter-weighted", rows: model.rows, weighted: true, depth: 1)
        weighted.isSelectable = false
        lines.append(weighted)
        lines.append(
          Line(
            label: "wins (tensors)", depth: 1, kind: .text(model.ids.map { String(summary[$0]?.wins ?? 0) }),
            isSelectable: false))
        lines.append(
          Line(
            label: "bits per weight", depth: 1,
            kind: .text(model.ids.map { summary[$0]?.bitsPerWeight.map { NumberText.fixed($0, digits: 3) } ?? "" }),
            isSelectable: false))
      case .layerType(let type, let count, let isExpanded):
        let marker = isExpanded ? glyphs.expanded : glyphs.collapsed
        lines.append(
          model.meanLine(
            "\(marker) \(type.label) (\(count))", rows: model.rows.filter { $0.layerType == type.rawValue }))
      case .tensor(let index):
        let name = state.tensors[index].name
        lines.append(model.meanLine(name, rows: model.rows.filter { $0.name == name }, depth: 2))
      }
    }
    let progress = state.overviewProgress
    let status: String
    if progress.missing > 0 {
      status = "estimating \(progress.cells - progress.missing)/\(progress.cells)"
    } else if progress.estimated > 0 {
      status = "exact \(progress.cells - progress.estimated)/\(progress.cells), \(glyphs.approx) estimates"
    } else {
      status = "exact"
    }
    let what = state.overviewView.showsDelta ? "Δ to the best (d: SQNR)" : "SQNR dB (d: Δ to the best)"
    self.init(
      title: "model overview \(glyphs.middleDot) \(what) \(glyphs.middleDot) group \(state.settings.group) "
        + "\(glyphs.middleDot) \(status)",
      formatNames: model.names, lines: lines, cursorLine: cursorLine, showsDelta: state.overviewView.showsDelta)
  }
}

extension ParetoPlot {
  init(_ state: State) {
    let model = OverviewModel(state)
    let view = state.overviewView
    let frontier = ParetoFrontier(summary: model.summary, costs: state.costs, x: view.cost, y: view.quality)
    let names = Dictionary(uniqueKeysWithValues: zip(model.ids, model.names))
    let positions = Dictionary(uniqueKeysWithValues: model.ids.enumerated().map { ($1, $0) })
    let points = frontier.points.map { point in
      Point(
        name: names[point.format] ?? point.format, x: point.x, y: point.y, onFrontier: point.onFrontier,
        position: positions[point.format] ?? 0)
    }
    let xLabel: String =
      switch view.cost {
      case .area: "MAC area (x: power, bpw)"
      case .power: "MAC power (x: bpw, area)"
      case .bpw: "bits per weight (x: area, power)"
      }
    let progress = state.overviewProgress
    let status = progress.missing + progress.estimated > 0 ? " · estimates, filling in" : ""
    self.init(
      title: "Pareto: \(view.quality == .meanSQNR ? "mean" : "weighted") SQNR against "
        + "\(view.cost.rawValue) (w: mean/weighted)\(status)",
      xLabel: xLabel, yLabel: "SQNR dB", points: points,
      withoutCost: frontier.withoutCost.map { names[$0] ?? $0 })
  }
}
