import Explorer
import Formats
import Reporting
import Testing

@testable import TerminalUI

/// Each widget alone in a small screen, compared with its own file in `Golden/` (the same form
/// and the same `TSCOPE_UPDATE_GOLDEN=1` switch as the whole screens). Names from files can hold
/// anything: the tree and the header are shown with wide (CJK, fullwidth) and combining characters.
struct WidgetGoldenTests {
  private let theme = Theme.defaultDark

  /// `widget` rendered alone into a `width`×`height` screen.
  private func alone(_ widget: some Widget, _ width: Int, _ height: Int, glyphs: Glyphs = .unicode) -> Screen {
    var screen = Screen(width: width, height: height, fill: theme.base)
    widget.render(Rect(x: 0, y: 0, width: width, height: height), into: &screen, theme: theme, glyphs: glyphs)
    return screen
  }

  /// Every row of `screen` takes exactly its width in columns, as a terminal (and `wcwidth`) counts them.
  private func expectRowsFill(_ screen: Screen) {
    for row in 0..<screen.height {
      #expect(DisplayWidth.of(screen.text(row: row)) == screen.width, "row \(row): \(screen.text(row: row))")
    }
  }

  static let wideNames = [
    "模型.层.0.注意力.查询.权重", "cafe\u{301}.résumé.weight", "ｗｉｄｅ.bias", "plain.weight",
  ]

  @Test func titleBar() throws {
    let bar = TitleBar(modelName: "golden.safetensors", parameterCount: 22_713_216, tensorCount: 101, themeName: "nord")
    try GoldenScreenTests.check("widget-title-bar-70x1", alone(bar, 70, 1))
    let wide = TitleBar(modelName: "模型文件.safetensors", parameterCount: 4096, tensorCount: 3, themeName: "default")
    let screen = alone(wide, 33, 1)
    expectRowsFill(screen)
    try GoldenScreenTests.check("widget-title-bar-wide-33x1", screen)
  }

  @Test func frameAndTooSmall() throws {
    try GoldenScreenTests.check("widget-frame-30x8", alone(Frame(treeWidth: 10, separatorY: 5), 30, 8))
    try GoldenScreenTests.check("widget-too-small-24x5", alone(TooSmallNotice(), 24, 5))
  }

  @Test func statusLine() throws {
    let settings = StatusLine(
      content: .settings(group: "128", scale: "absmax", format: "NF4", isComputing: false, milliseconds: 12))
    try GoldenScreenTests.check("widget-status-line-70x1", alone(settings, 70, 1))
    try GoldenScreenTests.check("widget-status-line-filter-40x1", alone(StatusLine(content: .filter("注意")), 40, 1))
  }

  @Test func layerTreeWithWideAndCombiningNames() throws {
    let rows: [LayerTreeView.Row] =
      [.group(name: "模型.层.0", childCount: 2, isExpanded: true)]
      + Self.wideNames.enumerated().map { index, name in
        .tensor(label: name, depth: index < 2 ? 1 : 0, isUnanalysable: index == 2, isFocused: index == 3)
      }
    let tree = LayerTreeView(rows: rows, cursor: 1)
    let screen = alone(tree, 21, 6)
    expectRowsFill(screen)
    // The long CJK name is cut in the middle (its start and its own name stay), never inside a
    // wide character: the pane's 20 columns hold it exactly.
    #expect(screen.text(row: 2) == "    模型.层.…询.权重 ")
    #expect(DisplayWidth.of(screen.text(row: 2)) == 21)
    try GoldenScreenTests.check("widget-layer-tree-wide-21x6", screen)
    let sorted = LayerTreeView(rows: rows, cursor: 0, sortLabel: "size")
    try GoldenScreenTests.check("widget-layer-tree-sorted-ascii-21x6", alone(sorted, 21, 6, glyphs: .ascii))
  }

  @Test func tensorHeader() throws {
    let fit = FitSummary(nu: 5.2, tLoc: 0, tScale: 0.0213, normalLoc: 0, normalStd: 0.0301, best: "t")
    let header = TensorHeader(name: Self.wideNames[0], shape: "128×128", dtype: "F32", fit: .fitted(fit))
    let screen = alone(header, 40, 2)
    expectRowsFill(screen)
    try GoldenScreenTests.check("widget-tensor-header-40x2", screen)
    let failed = TensorHeader(name: "pooler.dense.bias", shape: "384", dtype: "F32", fit: .failed("all values equal"))
    try GoldenScreenTests.check("widget-tensor-header-failed-40x2", alone(failed, 40, 2))
  }

  @Test func errorTable() async throws {
    let state = try await GoldenScreenTests.state(after: "")
    try GoldenScreenTests.check("widget-error-table-60x6", alone(ErrorTable(state, glyphs: .unicode), 60, 6))
    let waiting = ErrorTable(
      rows: [.init(name: "SF4(fit)", outcome: nil, isWaitingForFit: true), .init(name: "NF4", outcome: .failed("no"))],
      focused: 0)
    try GoldenScreenTests.check("widget-error-table-waiting-40x3", alone(waiting, 40, 3))
  }

  @Test func histogramAndCodebookPoints() async throws {
    let state = try await GoldenScreenTests.state(after: "")
    let histogram = try #require(HistogramView(state, glyphs: .unicode))
    try GoldenScreenTests.check("widget-histogram-60x14", alone(histogram, 60, 14))
    var codebooks = try #require(histogram.codebooks)
    codebooks.lower = -0.1
    codebooks.upper = 0.1
    codebooks.labelWidth = 8
    try GoldenScreenTests.check("widget-codebook-points-50x3", alone(codebooks, 50, 3))
    let error = try #require(HistogramView(try await GoldenScreenTests.state(after: "e"), glyphs: .ascii))
    try GoldenScreenTests.check("widget-histogram-error-ascii-50x10", alone(error, 50, 10, glyphs: .ascii))
  }

  @Test func compareView() async throws {
    let state = try await GoldenScreenTests.state(after: "c")
    try GoldenScreenTests.check("widget-compare-80x16", alone(CompareView(state, glyphs: .unicode), 80, 16))
  }

  @Test func overlays() throws {
    let lines = FormatChoice.catalogue.prefix(6).enumerated().map { index, choice in
      FormatPicker.Line(name: choice.name, isSelected: index % 2 == 0)
    }
    try GoldenScreenTests.check("widget-format-picker-50x12", alone(FormatPicker(lines: lines, cursor: 2), 50, 12))
    try GoldenScreenTests.check("widget-help-overlay-50x24", alone(HelpOverlay(), 50, 24))
    let message = MessageView(text: "not analysed: 模型 has only NaN values", isWarning: true)
    let screen = alone(message, 20, 4)
    expectRowsFill(screen)
    try GoldenScreenTests.check("widget-message-20x4", screen)
  }
}

/// Wide characters on the screen: two cells, the second a continuation that the text forms and
/// the backends skip, and never half of one left behind.
struct WideCellTests {
  @Test func aWideCharacterTakesTwoCells() {
    var screen = Screen(width: 6, height: 1)
    #expect(screen.put("日本", x: 1, y: 0, style: .plain) == 4)
    #expect(screen[1, 0].character == "日" && screen[2, 0].isContinuation)
    #expect(screen[3, 0].character == "本" && screen[4, 0].isContinuation)
    #expect(screen.text(row: 0) == " 日本 ")
    #expect(screen.ansiText(mode: .mono) == "\u{1B}[0m 日本 \u{1B}[0m\n")
  }

  @Test func combiningMarksStayWithTheirBase() {
    var screen = Screen(width: 6, height: 1)
    #expect(screen.put("cafe\u{301}!", x: 0, y: 0, style: .plain) == 5)
    #expect(screen[3, 0].character == "e\u{301}")
    #expect(screen.text(row: 0) == "cafe\u{301}! ")
  }

  @Test func aWideCharacterWithOneColumnLeftStopsTheText() {
    var screen = Screen(width: 6, height: 1)
    #expect(screen.put("ab日", x: 3, y: 0, style: .plain) == 2)
    #expect(screen.text(row: 0) == "   ab ")
    #expect(screen.put("日", x: 0, y: 0, style: .plain, limit: 1) == 0)
  }

  @Test func overwritingHalfAWideCharacterClearsTheOtherHalf() {
    var screen = Screen(width: 6, height: 1)
    screen.put("日本", x: 1, y: 0, style: .plain)
    screen.put("x", x: 2, y: 0, style: .plain)
    #expect(screen.text(row: 0) == "  x本 ")
    screen[3, 0] = Cell("y", .plain)
    #expect(screen.text(row: 0) == "  xy  ")
    #expect(!screen.cells.contains { $0.isContinuation })
    #expect(DisplayWidth.of(screen.text(row: 0)) == 6)
  }
}
