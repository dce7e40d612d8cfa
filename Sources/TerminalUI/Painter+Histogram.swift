import Explorer
import Foundation
import Kernels

extension Painter {
  /// The histogram of values (with the fitted t and normal curves and the codebook points of
  /// each selected format) or of the focused format's quantization error.
  mutating func paintHistogram(_ area: Rect) {
    guard let loaded = state.loaded, area.height >= 3, area.width >= 16 else { return }
    // The left column holds the y labels and the codebook rows' format names.
    let longestName = state.selectedFormats.map { state.displayName($0).count }.max() ?? 0
    let labelWidth = min(max(6, longestName + 2), area.width / 5)
    let plotX = area.x + labelWidth
    let plotWidth = area.width - labelWidth - 1
    var codebookRows = state.histogramMode == .values ? state.selectedFormats.count : 0
    // Keep at least 3 plot rows: fewer codebook rows first, then none.
    if area.height - 1 - codebookRows < 3 { codebookRows = min(codebookRows, 1) }
    if area.height - 1 - codebookRows < 3 { codebookRows = 0 }
    // A caption row above the plot when there is room for it.
    let captionRows = area.height - 1 - codebookRows >= 6 ? 1 : 0
    let plotTop = area.y + captionRows
    let plotHeight = area.height - 1 - codebookRows - captionRows
    guard plotHeight >= 1 else { return }

    var canvas = DotCanvas(columns: plotWidth, rows: plotHeight, isBraille: glyphs.isUnicode)
    let histogram: Histogram
    let caption: String
    var curves: [(density: (Double) -> Double, style: Style, mark: Character)] = []
    let total: Double
    switch state.histogramMode {
    case .values:
      let half = loaded.range.amax > 0 ? loaded.histogram.upper / pow2(state.zoom) : 1
      histogram = loaded.histogram.rebinned(lower: -half, upper: half, bins: canvas.dotWidth)
      total = Double(loaded.range.finiteCount)
      caption = "values"
      if let fit = state.fit.summary {
        if state.showNormal { curves.append((fit.normalDensity, theme.normalCurveStyle, "+")) }
        curves.append((fit.tDensity, theme.tCurveStyle, "*"))
      }
    case .error:
      let name = state.displayName(state.focusedFormat)
      let outcome = state.key(state.focusedFormat).flatMap { state.results[$0] }
      guard case .done(let result)? = outcome else {
        let why: String
        if case .failed(let reason)? = outcome {
          why = "\(name) has no result: \(reason)"
        } else {
          why = "waiting for \(name)"
        }
        paintMessage(glyphs.ascii("error histogram: \(why)"), in: area, style: theme.mutedStyle)
        return
      }
      let source = result.errorHistogram
      let half = source.upper / pow2(state.zoom)
      histogram = source.rebinned(lower: -half, upper: half, bins: canvas.dotWidth)
      total = Double(source.total)
      caption = "error x-x\u{0302} of \(state.displayName(state.focusedFormat))"
    }
    let transform: (Double) -> Double = state.logY ? { log10(1 + max($0, 0)) } : { max($0, 0) }
    let peak = max(histogram.counts.map { transform(Double($0)) }.max() ?? 0, 1e-12)
    let dots = Double(canvas.dotHeight)
    for (x, count) in histogram.counts.enumerated() where count > 0 {
      let height = Int((transform(Double(count)) / peak * dots).rounded(.up))
      canvas.bar(x: x, height: max(height, 1), style: theme.histogramStyle, mark: "#")
    }
    let binWidth = histogram.binWidth
    for curve in curves {
      let heights = (0..<canvas.dotWidth).map { x -> Double in
        let centre = histogram.lower + (Double(x) + 0.5) * binWidth
        let expected = total * curve.density(centre) * binWidth
        let value = transform(expected) / peak * dots - 0.5
        return value < -0.5 ? .nan : value
      }
      canvas.curve(heights, style: curve.style, mark: curve.mark)
    }
    canvas.draw(on: &screen, x: plotX, y: plotTop, background: theme.base)

    // y labels: the peak count at the top, 0 at the bottom.
    let topLabel = countLabel(state.logY ? pow10Fractional(peak) - 1 : peak)
    screen.put(fit(topLabel, labelWidth - 1), x: area.x + 1, y: plotTop, style: theme.mutedStyle)
    screen.put("0", x: plotX - 2, y: plotTop + plotHeight - 1, style: theme.mutedStyle)
    // Caption: its own row when there is room, else over the plot's top right (where tails leave room).
    var legend = caption + (state.logY ? ", log y" : ", linear y")
    if state.zoom > 0 { legend += ", zoom \(1 << state.zoom)x" }
    paintLegend(
      legend, curves: state.histogramMode == .values && state.fit.summary != nil, x: plotX, width: plotWidth,
      y: area.y)

    // x axis labels.
    let axisY = plotTop + plotHeight
    let left = compact(histogram.lower)
    let right = compact(histogram.upper)
    screen.put(left, x: plotX, y: axisY, style: theme.mutedStyle)
    screen.put("0", x: plotX + plotWidth / 2, y: axisY, style: theme.mutedStyle)
    screen.put(right, x: plotX + plotWidth - right.count, y: axisY, style: theme.mutedStyle)

    if codebookRows > 0 {
      paintCodebooks(
        x: plotX, width: plotWidth, y: axisY + 1, rows: codebookRows, low: histogram.lower, high: histogram.upper,
        labelX: area.x + 1, labelWidth: labelWidth - 1)
    }
  }

  private mutating func paintLegend(_ caption: String, curves: Bool, x: Int, width: Int, y: Int) {
    var pieces: [(String, Style)] = [(glyphs.ascii(caption), theme.mutedStyle)]
    if curves {
      pieces.append(("  t", theme.tCurveStyle))
      if state.showNormal { pieces.append(("  normal", theme.normalCurveStyle)) }
    }
    let length = pieces.reduce(0) { $0 + $1.0.count }
    guard length + 2 <= width else { return }
    var column = x + width - length
    for (text, style) in pieces {
      column += screen.put(text, x: column, y: y, style: style)
    }
  }

  /// One row per selected format: where its codebook values land (at the typical group scale)
  /// and how many elements each received.
  private mutating func paintCodebooks(
    x: Int, width: Int, y: Int, rows: Int, low: Double, high: Double, labelX: Int, labelWidth: Int
  ) {
    var formats = state.selectedFormats
    if rows < formats.count { formats = [state.focusedFormat] }
    for (row, choice) in formats.prefix(rows).enumerated() {
      let position = state.selectedFormats.firstIndex(of: choice) ?? row
      let style = theme.formatStyle(position)
      let outcome = state.key(choice).flatMap { state.results[$0] }
      screen.put(fit(rowName(choice, outcome), labelWidth), x: labelX, y: y + row, style: style)
      guard case .done(let result)? = outcome else {
        // Pending: an ellipsis; failed: the table row says why.
        if outcome == nil { screen.put(glyphs.ellipsis, x: x, y: y + row, style: theme.mutedStyle) }
        continue
      }
      guard let displayScale = result.displayScale else {
        screen.put(
          fit("codes shift with each group's zero point", width), x: x, y: y + row, style: theme.mutedStyle)
        continue
      }
      let codeUsage = result.metrics.codeUsage
      let total = max(codeUsage.reduce(0, +), 1)
      var best: [Int: Int] = [:]  // column -> heaviest usage landing there
      var clippedLeft = false
      var clippedRight = false
      for (index, value) in result.codebook.enumerated() {
        let position = value * displayScale
        if position < low {
          clippedLeft = true
          continue
        }
        if position >= high {
          clippedRight = true
          continue
        }
        let column = Int((position - low) / (high - low) * Double(width))
        let usage = index < codeUsage.count ? codeUsage[index] : 0
        best[column] = max(best[column] ?? -1, usage)
      }
      for (column, usage) in best {
        let share = Double(usage) / Double(total)
        let mark = glyphs.usageMarks[share >= 1.0 / 8 ? 0 : share >= 1.0 / 64 ? 1 : usage > 0 ? 2 : 3]
        screen[x + column, y + row] = Cell(mark, usage > 0 ? style : theme.mutedStyle)
      }
      if clippedLeft { screen[x, y + row] = Cell("<", theme.mutedStyle) }
      if clippedRight { screen[x + width - 1, y + row] = Cell(">", theme.mutedStyle) }
    }
  }
}

func pow2(_ exponent: Int) -> Double { Double(1 << max(exponent, 0)) }

/// 10^x for the log-y label.
func pow10Fractional(_ x: Double) -> Double { pow(10, x) }

/// A count for the y axis: 964, 12.5k, 1.3M.
func countLabel(_ count: Double) -> String {
  let rounded = count.rounded()
  if rounded < 1000 { return String(Int(max(rounded, 0))) }
  return formatCount(Int(rounded))
}
