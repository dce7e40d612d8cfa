import Explorer
import Formats
import Foundation

extension Painter {
  /// Side by side: one small histogram per selected format, of x̂ (values mode) or of the
  /// error (error mode), each titled with its SQNR.
  mutating func paintCompare(_ area: Rect) {
    let formats = state.selectedFormats
    guard !formats.isEmpty else {
      paintMessage("no format selected: f opens the picker", in: area, style: theme.mutedStyle)
      return
    }
    guard case .ready = state.tensorStatus, let loaded = state.loaded else {
      paintMessage("compare: waiting for the tensor", in: area, style: theme.mutedStyle)
      return
    }
    let what = state.histogramMode == .values ? "dequantized x\u{0302}" : "error x-x\u{0302}"
    let name = state.focusedTensor.map { state.tensors[$0].name } ?? ""
    screen.put(
      fit("compare \(what) \(glyphs.middleDot) \(name)", area.width - 2, ellipsis: glyphs.ellipsis),
      x: area.x + 1, y: area.y, style: theme.accentStyle)
    let columns = area.width >= 70 ? 2 : 1
    let gridRows = (formats.count + columns - 1) / columns
    let cellWidth = area.width / columns
    let cellHeight = max((area.height - 1) / max(gridRows, 1), 0)
    guard cellHeight >= 3 else {
      paintMessage("too many formats to compare at this size", in: area, style: theme.mutedStyle)
      return
    }
    for (position, choice) in formats.enumerated() {
      let cell = Rect(
        x: area.x + (position % columns) * cellWidth, y: area.y + 1 + (position / columns) * cellHeight,
        width: cellWidth, height: cellHeight)
      paintSmallHistogram(choice, position: position, loaded: loaded, in: cell)
    }
  }

  private mutating func paintSmallHistogram(
    _ choice: FormatChoice, position: Int, loaded: LoadedTensor, in cell: Rect
  ) {
    let style = theme.formatStyle(position)
    let outcome = state.key(choice).flatMap { state.results[$0] }
    var title = rowName(choice, outcome)
    let result: QuantResult
    switch outcome {
    case nil:
      screen.put(fit(title + " computing" + glyphs.ellipsis, cell.width - 2), x: cell.x + 1, y: cell.y, style: style)
      return
    case .failed(let reason)?:
      screen.put(fit(glyphs.ascii(title + " " + reason), cell.width - 2), x: cell.x + 1, y: cell.y, style: style)
      return
    case .done(let done)?:
      result = done
    }
    let sqnr = result.metrics.sqnrDB
    title += sqnr.isFinite ? "  SQNR \(fixed(sqnr, 2)) dB" : "  exact"
    screen.put(fit(title, cell.width - 2), x: cell.x + 1, y: cell.y, style: style)
    let plotWidth = cell.width - 3
    let plotHeight = cell.height - 2
    guard plotWidth > 4, plotHeight > 0 else { return }
    var canvas = DotCanvas(columns: plotWidth, rows: plotHeight, isBraille: glyphs.isUnicode)
    let source = state.histogramMode == .values ? result.dequantizedHistogram : result.errorHistogram
    let half = source.upper / pow2(state.zoom)
    let histogram = source.rebinned(lower: -half, upper: half, bins: canvas.dotWidth)
    let transform: (Double) -> Double = state.logY ? { log10(1 + max($0, 0)) } : { max($0, 0) }
    let peak = max(histogram.counts.map { transform(Double($0)) }.max() ?? 0, 1e-12)
    for (x, count) in histogram.counts.enumerated() where count > 0 {
      let height = Int((transform(Double(count)) / peak * Double(canvas.dotHeight)).rounded(.up))
      canvas.bar(x: x, height: max(height, 1), style: style, mark: "#")
    }
    canvas.draw(on: &screen, x: cell.x + 1, y: cell.y + 1, background: theme.base)
    let axisY = cell.y + 1 + plotHeight
    let left = compact(histogram.lower)
    let right = compact(histogram.upper)
    screen.put(left, x: cell.x + 1, y: axisY, style: theme.mutedStyle)
    screen.put(right, x: cell.x + 1 + plotWidth - right.count, y: axisY, style: theme.mutedStyle)
  }
}
