import Explorer
import Kernels
import Reporting

/// The error table: format, MSE, SQNR dB, Δ to the best, max error, codes used, bits per weight. Columns drop
/// from the right when the pane is narrow; the focused row stays visible.
struct ErrorTable: Widget {
  struct Row: Hashable {
    /// The format's name as the row shows it (`rowName`).
    var name: String
    var outcome: QuantOutcome?
    /// Whether a row without its outcome waits for the fitted ν (else it is computing).
    var isWaitingForFit = false
    /// Bits per weight stored (elements plus scales), once the format has run.
    var bitsPerWeight: Double?
    /// Whether this row is the optimal codebook (`lloyd`), the reference of `Δ opt`.
    var isOptimalCodebook = false
  }

  /// The shipped tensor's row (`--against`), drawn after the formats' rows.
  struct ShippedRow: Hashable {
    enum Content: Hashable {
      case computing
      case measured(ShippedError, bitsPerWeight: Double?)
      /// No error to show, with the reason (no such tensor, another shape, …).
      case unavailable(String)
    }
    /// `shipped Q4_K`.
    var name: String
    var content: Content
  }

  var rows: [Row]
  /// The focused format's row.
  var focused: Int?
  var shipped: ShippedRow?

  /// The name column: 11 cells, wider (up to 18) for longer names (`MXFP8 E4M3 rceil`, `shipped Q4_K`).
  var nameWidth: Int {
    let longest = (rows.map(\.name) + (shipped.map { [$0.name] } ?? [])).map(DisplayWidth.of).max() ?? 0
    return min(max(11, longest + 1), 18)
  }

  func render(_ area: Rect, into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
    guard area.height > 0 else { return }
    // The importance-weighted SQNR's column only when an imatrix gave one (`--imatrix`).
    let weighted = rows.contains { row in
      if case .done(let result)? = row.outcome { return result.metrics.importanceSQNRDB != nil }
      return false
    }
    // `Δ opt` (the optimal codebook's SQNR minus the row's) only when Lloyd16 has a result.
    let optimal = rows.first { $0.isOptimalCodebook }.flatMap { row -> Double? in
      if case .done(let result)? = row.outcome { return result.metrics.sqnrDB }
      return nil
    }
    // `codes` fits its widest "used/count" (255/255 for Q8_0 and the 8-bit formats).
    let codesWidth = rows.reduce(6) { width, row in
      guard case .done(let result)? = row.outcome else { return width }
      return max(width, 2 * String(result.codebook.count).count + 2)
    }
    let columns: [(title: String, width: Int)] =
      [("MSE", 9), ("SQNR dB", 8), (glyphs.ascii("Δ best"), 7)] + (optimal != nil ? [(glyphs.ascii("Δ opt"), 7)] : [])
      + [("max err", 9), ("codes", codesWidth), ("bpw", 6)] + (weighted ? [("imat dB", 8)] : [])
    let nameWidth = self.nameWidth
    var shown = 0
    var used = 2 + nameWidth
    for column in columns where used + column.width <= area.width - 1 {
      used += column.width
      shown += 1
    }
    // Header.
    var x = area.x + 2
    screen.put(DisplayWidth.fit("format", nameWidth), x: x, y: area.y, style: theme.accentStyle)
    x += nameWidth
    for column in columns.prefix(shown) {
      screen.put(DisplayWidth.cell(column.title, column.width), x: x, y: area.y, style: theme.accentStyle)
      x += column.width
    }
    let sqnrs = rows.compactMap { row -> Double? in
      if case .done(let result)? = row.outcome { return result.metrics.sqnrDB }
      return nil
    }
    let bestSQNR = sqnrs.max()
    let worstSQNR = sqnrs.min()
    let visible = area.height - 1
    let focusIndex = focused ?? 0
    let total = rows.count + (shipped == nil ? 0 : 1)
    let first = min(max(focusIndex - visible + 1, 0), max(total - visible, 0))
    for position in first..<max(first, min(first + visible, total)) {
      let y = area.y + 1 + position - first
      guard position < rows.count else {
        if let shipped {
          let layout = ShippedLayout(
            columns: Array(columns.prefix(shown)), bestSQNR: bestSQNR, optimalSQNR: optimal, weighted: weighted)
          drawShipped(
            shipped, layout, x: area.x, maxX: area.maxX, y: y, position: position, into: &screen, theme: theme,
            glyphs: glyphs)
        }
        continue
      }
      let row = rows[position]
      let isFocused = position == focused
      let base = isFocused ? theme.selectionStyle : theme.base
      if isFocused { screen.fill(x: area.x, y: y, width: area.width, height: 1, style: base) }
      var dotStyle = theme.formatStyle(position)
      if isFocused { dotStyle.background = base.background }
      screen[area.x, y] = Cell(isFocused ? glyphs.pointer : " ", base)
      screen[area.x + 1, y] = Cell(glyphs.dot, dotStyle)
      screen.put(DisplayWidth.fit(row.name, nameWidth - 1), x: area.x + 2, y: y, style: base)
      var column = area.x + 2 + nameWidth
      switch row.outcome {
      case .done(let result)?:
        let metrics = result.metrics
        let mark = result.isEstimate ? glyphs.approx : ""
        let cells =
          [
            mark + NumberText.shortScientific(metrics.mse, digits: 1),
            // An all-zero tensor's SQNR is 0/0 (no signal, no error), and the cell says so: not the
            // +∞ of an exact result (Δ still says exact).
            metrics.isAllZero ? "0/0" : Self.sqnrText(metrics.sqnrDB, glyphs: glyphs),
            Self.deltaText(metrics.sqnrDB, best: bestSQNR, glyphs: glyphs),
          ]
          + (optimal.map { [Self.deltaText(metrics.sqnrDB, best: $0, glyphs: glyphs)] } ?? [])
          + [
            NumberText.shortScientific(metrics.maxAbsError, digits: 1),
            "\(metrics.codesUsed)/\(result.codebook.count)",
            row.bitsPerWeight.map { NumberText.fixed($0, digits: 3) } ?? "",
          ]
          + (weighted ? [Self.sqnrText(metrics.importanceSQNRDB, glyphs: glyphs)] : [])
        for (index, text) in cells.prefix(shown).enumerated() {
          var style = base
          if index == 1 && rows.count > 1 && !isFocused {
            if metrics.sqnrDB == bestSQNR { style = theme.goodStyle }
            if metrics.sqnrDB == worstSQNR && bestSQNR != worstSQNR { style = theme.badStyle }
          }
          screen.put(DisplayWidth.cell(text, columns[index].width), x: column, y: y, style: style)
          column += columns[index].width
        }
      case .failed(let reason)?:
        screen.put(
          DisplayWidth.fit(reason, area.maxX - column, ellipsis: glyphs.ellipsis), x: column, y: y,
          style: theme.warningStyle)
      case nil:
        let waiting = row.isWaitingForFit ? "waiting for fit" : "computing"
        screen.put(waiting + glyphs.ellipsis, x: column, y: y, style: isFocused ? base : theme.mutedStyle)
      }
    }
    if rows.isEmpty && shipped == nil {
      screen.put(
        DisplayWidth.fit("no format selected: f opens the picker", area.width - 2), x: area.x + 2, y: area.y + 1,
        style: theme.mutedStyle)
    }
  }

  /// An SQNR cell: two decimals, `∞` when there is no error, `-` when there is no number.
  static func sqnrText(_ sqnr: Double?, glyphs: Glyphs) -> String {
    guard let sqnr else { return "-" }
    return sqnr.isFinite ? NumberText.fixed(sqnr, digits: 2) : (glyphs.isUnicode ? "∞" : "inf")
  }

  /// Δ to the best SQNR: `exact` for an exact row, `—` for the best row and wherever the
  /// difference has no finite value (the best is exact), else the negative difference.
  static func deltaText(_ sqnr: Double, best: Double?, glyphs: Glyphs) -> String {
    let dash = glyphs.isUnicode ? "—" : "-"
    if sqnr == .infinity { return "exact" }
    guard let best, best.isFinite, sqnr.isFinite else { return dash }
    let delta = best - sqnr
    return delta < 0.005 ? dash : "-" + NumberText.fixed(delta, digits: 2)
  }
}

extension ErrorTable {
  /// What the shipped row needs of the table's layout.
  fileprivate struct ShippedLayout {
    var columns: [(title: String, width: Int)]
    var bestSQNR: Double?
    var optimalSQNR: Double?
    var weighted: Bool
  }

  /// The shipped row: its error in the formats' columns (codes and the imatrix SQNR do not
  /// apply: `-`), Δ against the best format signed (`+` where the shipped values beat them all).
  fileprivate func drawShipped(
    _ shipped: ShippedRow, _ layout: ShippedLayout, x: Int, maxX: Int, y: Int, position: Int,
    into screen: inout Screen, theme: Theme, glyphs: Glyphs
  ) {
    screen[x + 1, y] = Cell(glyphs.dot, theme.formatStyle(position))
    screen.put(DisplayWidth.fit(shipped.name, nameWidth - 1), x: x + 2, y: y, style: theme.accentStyle)
    var column = x + 2 + nameWidth
    switch shipped.content {
    case .computing:
      screen.put("computing" + glyphs.ellipsis, x: column, y: y, style: theme.mutedStyle)
    case .unavailable(let reason):
      screen.put(
        DisplayWidth.fit(glyphs.ascii(reason), maxX - column, ellipsis: glyphs.ellipsis), x: column, y: y,
        style: theme.warningStyle)
    case .measured(let error, let bitsPerWeight):
      let sqnr = error.sqnrDB
      let cells =
        [
          NumberText.shortScientific(error.mse, digits: 1), Self.sqnrText(sqnr, glyphs: glyphs),
          Self.signedDeltaText(sqnr, best: layout.bestSQNR, glyphs: glyphs),
        ]
        + (layout.optimalSQNR.map { [Self.signedDeltaText(sqnr, best: $0, glyphs: glyphs)] } ?? [])
        + [
          NumberText.shortScientific(error.maxAbsError, digits: 1), "-",
          bitsPerWeight.map { NumberText.fixed($0, digits: 3) } ?? "",
        ] + (layout.weighted ? ["-"] : [])
      for (index, text) in cells.prefix(layout.columns.count).enumerated() {
        screen.put(DisplayWidth.cell(text, layout.columns[index].width), x: column, y: y, style: theme.base)
        column += layout.columns[index].width
      }
    }
  }

  /// Δ of the shipped SQNR to a format's: `-d` below it, `+d` above it, `—` within 0.005 dB or
  /// without a finite pair, `exact` for shipped values without error.
  static func signedDeltaText(_ sqnr: Double, best: Double?, glyphs: Glyphs) -> String {
    let dash = glyphs.isUnicode ? "—" : "-"
    if sqnr == .infinity { return "exact" }
    guard let best, best.isFinite, sqnr.isFinite else { return dash }
    let delta = best - sqnr
    guard abs(delta) >= 0.005 else { return dash }
    return (delta > 0 ? "-" : "+") + NumberText.fixed(abs(delta), digits: 2)
  }
}
