import Reporting

/// The paper's headline figure for this model: each format a point at (cost, quality), the
/// frontier joined in braille (dots in ASCII), the points labelled and listed beside the plot
/// with the frontier marked, and the formats without a cost named below.
struct ParetoPlot: Widget {
  struct Point: Hashable {
    var name: String
    var x: Double
    var y: Double
    var onFrontier: Bool
    /// The format's position in the selection (its colour).
    var position: Int
  }

  var title: String
  var xLabel: String
  var yLabel: String
  var points: [Point]
  var withoutCost: [String]

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    guard area.height > 4, area.width > 30 else { return }
    screen.put(
      DisplayWidth.fit(glyphs.ascii(title), area.width - 2, ellipsis: glyphs.ellipsis), x: area.x + 1, y: area.y,
      style: theme.accentStyle)
    let listWidth = min(max(points.map { DisplayWidth.of($0.name) }.max() ?? 6, 6) + 20, area.width / 2)
    let plot = Rect(x: area.x + 8, y: area.y + 1, width: area.width - listWidth - 10, height: area.height - 3)
    drawList(
      Rect(x: plot.maxX + 2, y: area.y + 1, width: area.maxX - plot.maxX - 2, height: area.height - 1),
      screen: &screen, theme: theme, glyphs: glyphs)
    guard plot.width > 8, plot.height > 2 else { return }
    guard !points.isEmpty else {
      MessageView(text: "no format with a cost and a quality yet").render(
        plot, into: &screen, theme: theme, glyphs: glyphs)
      return
    }
    let xs = points.map(\.x)
    let ys = points.map(\.y)
    let (xLow, xHigh) = Self.padded(xs.min()!, xs.max()!)
    let (yLow, yHigh) = Self.padded(ys.min()!, ys.max()!)
    var canvas = DotCanvas(columns: plot.width, rows: plot.height, isBraille: glyphs.isUnicode)
    func dot(_ x: Double, _ y: Double) -> (Int, Int) {
      (
        Int(((x - xLow) / (xHigh - xLow) * Double(canvas.dotWidth - 1)).rounded()),
        Int(((y - yLow) / (yHigh - yLow) * Double(canvas.dotHeight - 1)).rounded())
      )
    }
    // The frontier as a staircase-free polyline through its points, by cost.
    let frontier = points.filter(\.onFrontier).sorted { $0.x < $1.x }
    for (from, to) in zip(frontier, frontier.dropFirst()) {
      let (x0, y0) = dot(from.x, from.y)
      let (x1, y1) = dot(to.x, to.y)
      let steps = max(abs(x1 - x0), abs(y1 - y0), 1)
      for step in 0...steps {
        let t = Double(step) / Double(steps)
        canvas.set(
          x: Int((Double(x0) + t * Double(x1 - x0)).rounded()), y: Int((Double(y0) + t * Double(y1 - y0)).rounded()),
          style: theme.tCurveStyle, mark: ".")
      }
    }
    canvas.draw(on: &screen, x: plot.x, y: plot.y, background: theme.base)
    // Points and labels on top of the line, in cells.
    for point in points {
      let (x, y) = dot(point.x, point.y)
      let column = plot.x + x / (glyphs.isUnicode ? 2 : 1)
      let row = plot.y + plot.height - 1 - y / (glyphs.isUnicode ? 4 : 1)
      let style = theme.formatStyle(point.position)
      screen[column, row] = Cell(glyphs.dot, style)
      // The label to the right of its point, or to the left where the plot ends.
      let width = DisplayWidth.of(point.name)
      if column + 2 + width <= plot.maxX {
        screen.put(point.name, x: column + 2, y: row, style: style)
      } else if column - 1 - width >= plot.x {
        screen.put(point.name, x: column - 1 - width, y: row, style: style)
      }
    }
    // Axes: y range on the left, x range below.
    let muted = theme.mutedStyle
    screen.put(DisplayWidth.leftPadded(NumberText.fixed(yHigh, digits: 1), 6), x: area.x + 1, y: plot.y, style: muted)
    screen.put(
      DisplayWidth.leftPadded(NumberText.fixed(yLow, digits: 1), 6), x: area.x + 1, y: plot.maxY - 1, style: muted)
    screen.put(DisplayWidth.fit(yLabel, 7), x: area.x + 1, y: plot.y + plot.height / 2, style: muted)
    let axisY = plot.maxY
    let low = NumberText.compact(xLow)
    let high = NumberText.compact(xHigh)
    screen.put(low, x: plot.x, y: axisY, style: muted)
    screen.put(high, x: plot.maxX - DisplayWidth.of(high), y: axisY, style: muted)
    let label = DisplayWidth.fit(xLabel, max(plot.width - DisplayWidth.of(low) - DisplayWidth.of(high) - 4, 0))
    screen.put(label, x: plot.x + (plot.width - DisplayWidth.of(label)) / 2, y: axisY, style: muted)
  }

  private func drawList(_ area: Rect, screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    guard area.width > 8 else { return }
    var y = area.y
    screen.put(DisplayWidth.fit("format      x       y", area.width), x: area.x, y: y, style: theme.accentStyle)
    y += 1
    for point in points.sorted(by: { $0.x < $1.x }) where y < area.maxY {
      let mark = point.onFrontier ? (glyphs.isUnicode ? "★" : "*") : " "
      let text =
        DisplayWidth.padded(DisplayWidth.fit(point.name, 9), 9)
        + DisplayWidth.leftPadded(NumberText.compact(point.x), 6)
        + DisplayWidth.leftPadded(NumberText.fixed(point.y, digits: 2), 7) + " " + mark
      screen.put(DisplayWidth.fit(text, area.width), x: area.x, y: y, style: theme.formatStyle(point.position))
      y += 1
    }
    if y < area.maxY {
      screen.put(
        DisplayWidth.fit((glyphs.isUnicode ? "★" : "*") + " on the frontier", area.width), x: area.x, y: y,
        style: theme.mutedStyle)
      y += 1
    }
    if !withoutCost.isEmpty && y < area.maxY {
      MessageView(text: "no cost: " + withoutCost.joined(separator: ", ")).render(
        Rect(x: area.x - 1, y: y - 1, width: area.width + 1, height: area.maxY - y + 1), into: &screen, theme: theme,
        glyphs: glyphs)
    }
  }

  /// A range around [low, high] with a margin, never empty.
  static func padded(_ low: Double, _ high: Double) -> (Double, Double) {
    let span = high - low
    let margin = span > 0 ? span * 0.08 : max(abs(low) * 0.05, 0.5)
    return (low - margin, high + margin)
  }
}
