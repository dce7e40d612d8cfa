import Explorer
import Foundation
import Kernels
import Reporting

/// Side by side: one small histogram per selected format, of x̂ (values) or of the error, each
/// titled with its SQNR.
struct CompareView: Widget {
  struct Panel {
    var name: String
    var outcome: QuantOutcome?
    /// The shipped tensor's panel (`--against`): its SQNR and error histogram (it has no x̂
    /// histogram), or why there is none; nil for a format's panel.
    var shipped: ShippedOutcome?
    /// Whether this is the shipped panel (still computing while `shipped` is nil).
    var isShipped = false
  }

  var tensorName: String
  var panels: [Panel]
  var mode = HistogramMode.values
  var zoom = 0
  var logY = false

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    let what = mode == .values ? "dequantized x\u{0302}" : "error x-x\u{0302}"
    screen.put(
      DisplayWidth.fit("compare \(what) \(glyphs.middleDot) \(tensorName)", area.width - 2, ellipsis: glyphs.ellipsis),
      x: area.x + 1, y: area.y, style: theme.accentStyle)
    let columns = area.width >= 70 ? 2 : 1
    let gridRows = (panels.count + columns - 1) / columns
    let cellWidth = area.width / columns
    let cellHeight = max((area.height - 1) / max(gridRows, 1), 0)
    guard cellHeight >= 3 else {
      MessageView(text: "too many formats to compare at this size").render(
        area, into: &screen, theme: theme, glyphs: glyphs)
      return
    }
    for (position, panel) in panels.enumerated() {
      let cell = Rect(
        x: area.x + (position % columns) * cellWidth, y: area.y + 1 + (position / columns) * cellHeight,
        width: cellWidth, height: cellHeight)
      renderPanel(panel, position: position, in: cell, into: &screen, theme: theme, glyphs: glyphs)
    }
  }

  private func renderPanel(
    _ panel: Panel, position: Int, in cell: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs
  ) {
    let style = theme.formatStyle(position)
    var title = panel.name
    // Both kinds of panel: nil while computing, a reason when failed, else SQNR and histogram.
    let shown: Result<(sqnr: Double, source: Histogram?), PanelFailure>?
    if panel.isShipped {
      shown = panel.shipped.map {
        switch $0 {
        case .failed(let reason): .failure(PanelFailure(reason: reason))
        case .done(let result): .success((result.error.sqnrDB, mode == .values ? nil : result.errorHistogram))
        }
      }
    } else {
      shown = panel.outcome.map {
        switch $0 {
        case .failed(let reason): .failure(PanelFailure(reason: reason))
        case .done(let result):
          .success(
            (result.metrics.sqnrDB, mode == .values ? result.dequantizedHistogram : result.errorHistogram))
        }
      }
    }
    let sqnr: Double
    let source: Histogram?
    switch shown {
    case nil:
      screen.put(
        DisplayWidth.fit(title + " computing" + glyphs.ellipsis, cell.width - 2), x: cell.x + 1, y: cell.y,
        style: style)
      return
    case .failure(let failure)?:
      screen.put(
        DisplayWidth.fit(glyphs.ascii(title + " " + failure.reason), cell.width - 2), x: cell.x + 1, y: cell.y,
        style: style)
      return
    case .success(let values)?:
      (sqnr, source) = values
    }
    title += sqnr.isFinite ? "  SQNR \(NumberText.fixed(sqnr, digits: 2)) dB" : "  exact"
    screen.put(DisplayWidth.fit(title, cell.width - 2), x: cell.x + 1, y: cell.y, style: style)
    let plotWidth = cell.width - 3
    let plotHeight = cell.height - 2
    guard plotWidth > 4, plotHeight > 0 else { return }
    guard let source else {
      screen.put(
        DisplayWidth.fit("no x\u{0302} histogram of shipped values", cell.width - 2), x: cell.x + 1, y: cell.y + 1,
        style: theme.mutedStyle)
      return
    }
    var canvas = DotCanvas(columns: plotWidth, rows: plotHeight, isBraille: glyphs.isUnicode)
    let half = source.upper / pow2(zoom)
    let histogram = source.rebinned(lower: -half, upper: half, bins: canvas.dotWidth)
    let transform: (Double) -> Double = logY ? { log10(1 + max($0, 0)) } : { max($0, 0) }
    let peak = max(histogram.counts.map { transform(Double($0)) }.max() ?? 0, 1e-12)
    for (x, count) in histogram.counts.enumerated() where count > 0 {
      let height = Int((transform(Double(count)) / peak * Double(canvas.dotHeight)).rounded(.up))
      canvas.bar(x: x, height: max(height, 1), style: style, mark: "#")
    }
    canvas.draw(on: &screen, x: cell.x + 1, y: cell.y + 1, background: theme.base)
    let axisY = cell.y + 1 + plotHeight
    let left = NumberText.compact(histogram.lower)
    let right = NumberText.compact(histogram.upper)
    screen.put(left, x: cell.x + 1, y: axisY, style: theme.mutedStyle)
    screen.put(right, x: cell.x + 1 + plotWidth - DisplayWidth.of(right), y: axisY, style: theme.mutedStyle)
  }
}

/// A compare panel's failure reason, as a `Result` error.
private struct PanelFailure: Error {
  let reason: String
}
