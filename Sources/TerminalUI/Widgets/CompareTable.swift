import Explorer
import Kernels
import Reporting

/// The compare view's table: SQNR dB per selected format (rows) × group size (columns), the
/// winner of each column in the good style, and below it a `best` line naming each column's
/// winner and a `lead` line with its margin over the runner-up, so one sees where the winner
/// changes with the group size (one line says it in words). `≈` marks a sampled estimate.
struct CompareTable: Widget {
  var tensorName: String
  /// The selected formats' names as their rows show them, in `grid.rows` order.
  var names: [String]
  var grid: CompareGrid
  /// The column of the current `g` setting (its header is highlighted), if one of them.
  var currentColumn: Int?

  /// The name column: 11 cells, wider (up to 18) for longer names (`MXFP8 E4M3 rceil`).
  var nameWidth: Int { min(max(11, (names.map(DisplayWidth.of).max() ?? 0) + 1), 18) }

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    let nameWidth = self.nameWidth
    guard area.height > 0, area.width > nameWidth + 4 else { return }
    let title = "compare SQNR dB by group \(glyphs.middleDot) \(tensorName)"
    screen.put(
      DisplayWidth.fit(title, area.width - 2, ellipsis: glyphs.ellipsis), x: area.x + 1, y: area.y,
      style: theme.accentStyle)
    let groups = CompareGrid.groups
    let columnWidth = min(10, (area.width - 2 - nameWidth) / groups.count)
    let shown = columnWidth >= 7 ? groups.count : max((area.width - 2 - nameWidth) / 7, 0)
    let width = columnWidth >= 7 ? columnWidth : 7
    func columnX(_ column: Int) -> Int { area.x + 2 + nameWidth + column * width }
    guard area.height > 1 else { return }
    // Header: the group sizes; the current setting's highlighted.
    screen.put(DisplayWidth.fit("format", nameWidth), x: area.x + 2, y: area.y + 1, style: theme.accentStyle)
    for (column, group) in groups.prefix(shown).enumerated() {
      let style = column == currentColumn ? theme.selectionStyle : theme.accentStyle
      // Narrow columns say `tens` and `chan` rather than cutting the name.
      let label = DisplayWidth.of("\(group)") < width ? "\(group)" : String("\(group)".prefix(4))
      screen.put(Self.right(label, width), x: columnX(column), y: area.y + 1, style: style)
    }
    // Rows, then the footer as far as the area allows.
    let footer = grid.rows.count > 1 ? 3 : 1
    let visibleRows = min(grid.rows.count, max(area.height - 2 - footer, 1))
    let winners = (0..<shown).map { grid.winners($0) }
    var failures: [String] = []
    for (position, row) in grid.rows.prefix(visibleRows).enumerated() {
      let y = area.y + 2 + position
      guard y < area.maxY else { break }
      screen[area.x + 1, y] = Cell(glyphs.dot, theme.formatStyle(position))
      screen.put(DisplayWidth.fit(names[position], nameWidth - 1), x: area.x + 2, y: y, style: theme.base)
      for column in 0..<shown {
        let text: String
        var style = theme.base
        switch row.cells[column] {
        case nil:
          text = glyphs.ellipsis
          style = theme.mutedStyle
        case .failed(let reason)?:
          text = "-"
          style = theme.warningStyle
          if failures.count < 1 { failures.append("\(names[position]): \(reason)") }
        case .done?:
          let value = ErrorTable.sqnrText(row.sqnrDB(column), glyphs: glyphs)
          text = (row.isEstimate(column) ? glyphs.approx : "") + value
          if grid.rows.count > 1 && winners[column].contains(position) { style = theme.goodStyle }
        }
        screen.put(Self.right(text, width), x: columnX(column), y: y, style: style)
      }
    }
    var y = area.y + 2 + visibleRows
    func line(_ label: String, _ cells: [String], style: Style) {
      guard y < area.maxY else { return }
      screen.put(DisplayWidth.fit(label, nameWidth), x: area.x + 2, y: y, style: theme.accentStyle)
      for (column, text) in cells.enumerated() {
        screen.put(
          Self.right(DisplayWidth.fit(text, width - 1, ellipsis: ""), width), x: columnX(column), y: y, style: style)
      }
      y += 1
    }
    if grid.rows.count > 1 {
      line("best", (0..<shown).map { bestText($0, winners: winners[$0], glyphs: glyphs) }, style: theme.goodStyle)
      line("lead dB", (0..<shown).map { leadText($0, winners: winners[$0]) }, style: theme.base)
    }
    if grid.rows.count > 1 && y < area.maxY {
      screen.put(
        DisplayWidth.fit(story(glyphs: glyphs), area.width - 3, ellipsis: glyphs.ellipsis), x: area.x + 2, y: y,
        style: theme.base)
      y += 1
    }
    guard y < area.maxY else { return }
    let hasEstimates = grid.rows.contains { row in row.cells.indices.contains { row.isEstimate($0) } }
    let legend =
      failures.first.map { glyphs.ascii($0) }
      ?? ((hasEstimates ? "\(glyphs.approx) sampled estimate \(glyphs.middleDot) " : "") + "e: error histograms")
    screen.put(
      DisplayWidth.fit(legend, area.width - 3, ellipsis: glyphs.ellipsis), x: area.x + 2, y: y,
      style: failures.isEmpty ? theme.mutedStyle : theme.warningStyle)
  }

  /// Where the winner changes along the group axis: `winner by group: A tensor, B channel–256`.
  func story(glyphs: Glyphs) -> String {
    let groups = CompareGrid.groups
    guard groups.indices.allSatisfy(grid.isComplete) else { return "winner: computing" + glyphs.ellipsis }
    var runs: [(name: String, first: Int, last: Int)] = []
    for column in groups.indices {
      let winners = grid.winners(column)
      let name = winners.isEmpty ? "none" : winners.count == 1 ? names[winners[0]] : "tie"
      if let last = runs.last, last.name == name {
        runs[runs.count - 1].last = column
      } else {
        runs.append((name, column, column))
      }
    }
    if runs.count == 1 { return "winner: \(runs[0].name) at every group" }
    let dash = glyphs.isUnicode ? "–" : "-"
    let parts = runs.map { run in
      "\(run.name) \(groups[run.first])" + (run.last > run.first ? "\(dash)\(groups[run.last])" : "")
    }
    return "winner by group: " + parts.joined(separator: ", ")
  }

  /// The winner's name; `tie` when several share the best; `…` until the column is complete.
  private func bestText(_ column: Int, winners: [Int], glyphs: Glyphs) -> String {
    guard grid.isComplete(column), !winners.isEmpty else { return glyphs.ellipsis }
    return winners.count == 1 ? names[winners[0]] : "tie"
  }

  /// The winner's margin over the runner-up in dB (`exact` when only the winner has no error).
  private func leadText(_ column: Int, winners: [Int]) -> String {
    guard grid.isComplete(column), winners.count == 1 else { return "" }
    let values = grid.rows.compactMap { $0.sqnrDB(column) }.sorted(by: >)
    guard values.count > 1 else { return "" }
    let lead = values[0] - values[1]
    return lead.isFinite ? "+" + NumberText.fixed(lead, digits: 2) : "exact"
  }

  /// `text` right-aligned in `width` columns, keeping one column as a gap on the left.
  static func right(_ text: String, _ width: Int) -> String {
    let cut = DisplayWidth.fit(text, width - 1, ellipsis: "")
    return String(repeating: " ", count: max(width - DisplayWidth.of(cut), 0)) + cut
  }
}
