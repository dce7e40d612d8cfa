import Explorer
import Foundation
import Kernels
import Reporting

/// The histogram of the tensor's values (with the fitted t and normal curves, and below it the
/// codebook points of each selected format) or of the focused format's quantization error.
struct HistogramView: Widget {
  enum Content {
    /// The values: their histogram, the finite count the curves scale to, whether the tensor
    /// has a range (a nonzero amax), and the fit whose curves to draw.
    case values(Histogram, total: Double, hasRange: Bool, fit: FitSummary?)
    /// The focused format's error histogram.
    case error(Histogram, formatName: String)
    /// No error histogram (yet), and why.
    case unavailable(String)
  }

  var content: Content
  var zoom = 0
  var logY = false
  var showNormal = true
  /// The widest format name of the codebook rows (the label column makes room for it).
  var longestName = 0
  /// The codebook rows under the plot (values only), when they fit.
  var codebooks: CodebookPointsView?

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    guard area.height >= 3, area.width >= 16 else { return }
    // The left column holds the y labels and the codebook rows' format names.
    let labelWidth = min(max(6, longestName + 2), area.width / 5)
    let plotX = area.x + labelWidth
    let plotWidth = area.width - labelWidth - 1
    var codebookRows = codebooks?.rows.count ?? 0
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
    var curves: [(density: (Double) -> Double, style: Style, mark: Character, isDotted: Bool)] = []
    let total: Double
    var fitted: FitSummary?
    switch content {
    case .values(let source, let count, let hasRange, let fit):
      let half = hasRange ? source.upper / pow2(zoom) : 1
      histogram = source.rebinned(lower: -half, upper: half, bins: canvas.dotWidth)
      total = count
      caption = "values"
      if let fit {
        fitted = fit
        // Without colour (a monochrome theme) the normal curve is dotted so it reads apart from
        // the solid t curve; ASCII draws them with different marks.
        if showNormal { curves.append((fit.normalDensity, theme.normalCurveStyle, "+", theme.isMonochrome)) }
        curves.append((fit.tDensity, theme.tCurveStyle, "*", false))
      }
    case .error(let source, let formatName):
      let half = source.upper / pow2(zoom)
      histogram = source.rebinned(lower: -half, upper: half, bins: canvas.dotWidth)
      total = Double(source.total)
      caption = "error x-x\u{0302} of \(formatName)"
    case .unavailable(let why):
      MessageView(text: "error histogram: \(why)").render(area, into: &screen, theme: theme, glyphs: glyphs)
      return
    }
    let transform: (Double) -> Double = logY ? { log10(1 + max($0, 0)) } : { max($0, 0) }
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
        // A dotted curve keeps one dot column in three.
        return value < -0.5 || (curve.isDotted && x % 3 != 0) ? .nan : value
      }
      canvas.curve(heights, style: curve.style, mark: curve.mark)
    }
    canvas.draw(on: &screen, x: plotX, y: plotTop, background: theme.base)

    // y labels: the peak count at the top, 0 at the bottom.
    let topLabel = Self.countLabel(logY ? pow(10, peak) - 1 : peak)
    screen.put(DisplayWidth.fit(topLabel, labelWidth - 1), x: area.x + 1, y: plotTop, style: theme.mutedStyle)
    screen.put("0", x: plotX - 2, y: plotTop + plotHeight - 1, style: theme.mutedStyle)
    // Caption: its own row when there is room, else over the plot's top right (where tails leave room).
    var legend = caption + (logY ? ", log y" : ", linear y")
    if zoom > 0 { legend += ", zoom \(1 << zoom)x" }
    var pieces: [(String, Style)] = [(glyphs.ascii(legend), theme.mutedStyle)]
    if fitted != nil {
      pieces.append(("  t", theme.tCurveStyle))
      if showNormal { pieces.append(("  normal", theme.normalCurveStyle)) }
    }
    let length = pieces.reduce(0) { $0 + DisplayWidth.of($1.0) }
    if length + 2 <= plotWidth {
      var column = plotX + plotWidth - length
      for (text, style) in pieces { column += screen.put(text, x: column, y: area.y, style: style) }
    }

    // x axis labels.
    let axisY = plotTop + plotHeight
    let left = NumberText.compact(histogram.lower)
    let right = NumberText.compact(histogram.upper)
    screen.put(left, x: plotX, y: axisY, style: theme.mutedStyle)
    screen.put("0", x: plotX + plotWidth / 2, y: axisY, style: theme.mutedStyle)
    screen.put(right, x: plotX + plotWidth - DisplayWidth.of(right), y: axisY, style: theme.mutedStyle)

    if codebookRows > 0, var codebooks {
      codebooks.lower = histogram.lower
      codebooks.upper = histogram.upper
      codebooks.labelWidth = labelWidth - 1
      codebooks.render(
        Rect(x: area.x + 1, y: axisY + 1, width: labelWidth - 1 + plotWidth, height: codebookRows), into: &screen,
        theme: theme, glyphs: glyphs)
    }
  }

  /// A count for the y axis: 964, 12.5k, 1.3M.
  static func countLabel(_ count: Double) -> String {
    let rounded = count.rounded()
    if rounded < 1000 { return String(Int(max(rounded, 0))) }
    return NumberText.abbreviated(Int(rounded))
  }
}

/// One row per format: where its codebook values land on the histogram's x axis (at the typical
/// group scale) and how many elements each received; a label column with the format's name.
/// With fewer rows than formats, only the focused one.
struct CodebookPointsView: Widget {
  struct Row {
    var name: String
    /// The format's place among the selected ones (its colour).
    var position: Int
    var outcome: QuantOutcome?
  }

  var rows: [Row]
  /// The focused format's row.
  var focused: Int
  /// The x axis the points are placed on.
  var lower: Double
  var upper: Double
  /// The label column's width; the points take the rest of the area.
  var labelWidth: Int

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    let x = area.x + labelWidth
    let width = area.width - labelWidth
    let shownRows = area.height < rows.count ? [rows[focused]] : rows
    for (row, line) in shownRows.prefix(area.height).enumerated() {
      let y = area.y + row
      let style = theme.formatStyle(line.position)
      screen.put(DisplayWidth.fit(line.name, labelWidth), x: area.x, y: y, style: style)
      guard case .done(let result)? = line.outcome else {
        // Pending: an ellipsis; failed: the table row says why.
        if line.outcome == nil { screen.put(glyphs.ellipsis, x: x, y: y, style: theme.mutedStyle) }
        continue
      }
      guard let displayScale = result.displayScale else {
        let reason = result.metrics.format.unplacedValuesReason ?? "codes have no fixed places"
        screen.put(DisplayWidth.fit(reason, width), x: x, y: y, style: theme.mutedStyle)
        continue
      }
      let codeUsage = result.metrics.codeUsage
      let total = max(codeUsage.reduce(0, +), 1)
      var best: [Int: Int] = [:]  // column -> heaviest usage landing there
      var clippedLeft = false
      var clippedRight = false
      for (index, value) in result.codebook.enumerated() {
        let position = value * displayScale
        if position < lower {
          clippedLeft = true
          continue
        }
        if position >= upper {
          clippedRight = true
          continue
        }
        let column = Int((position - lower) / (upper - lower) * Double(width))
        let usage = index < codeUsage.count ? codeUsage[index] : 0
        best[column] = max(best[column] ?? -1, usage)
      }
      for (column, usage) in best {
        let share = Double(usage) / Double(total)
        let mark = glyphs.usageMarks[share >= 1.0 / 8 ? 0 : share >= 1.0 / 64 ? 1 : usage > 0 ? 2 : 3]
        screen[x + column, y] = Cell(mark, usage > 0 ? style : theme.mutedStyle)
      }
      if clippedLeft { screen[x, y] = Cell("<", theme.mutedStyle) }
      if clippedRight { screen[x + width - 1, y] = Cell(">", theme.mutedStyle) }
    }
  }
}

func pow2(_ exponent: Int) -> Double { Double(1 << max(exponent, 0)) }
