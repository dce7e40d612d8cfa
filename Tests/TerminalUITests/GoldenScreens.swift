import Explorer
import Foundation
import TensorIO
import Testing

@testable import TerminalUI

/// Golden screens: the pure renderer on representative states, compared with the text files in
/// `Golden/` (each row's text, then its style runs). `TSCOPE_UPDATE_GOLDEN=1 swift test` rewrites
/// them; review the diff before committing.
struct GoldenScreenTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

  /// A settled session on the in-memory model after `keys`.
  static func state(after keys: String, model: Model = GoldenModel.make()) throws -> State {
    let session = Session(model: model, modelName: "golden.safetensors", themeNames: ["default", "nord"])
    session.send(.start)
    session.settle()
    for key in try Key.sequence(keys) {
      session.send(.key(key))
      session.settle()
    }
    var state = session.state
    // Timings differ from run to run; the screens show a fixed one.
    state.lastRecomputeMilliseconds = 12
    return state
  }

  static func check(_ name: String, _ screen: Screen) throws {
    let url = folder.appendingPathComponent(name + ".txt")
    let actual = screen.goldenText
    if ProcessInfo.processInfo.environment["TSCOPE_UPDATE_GOLDEN"] == "1" {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try actual.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    if actual != expected {
      let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
      let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
      let first = zip(actualLines, expectedLines).enumerated().first { $0.element.0 != $0.element.1 }
      Issue.record(
        """
        \(name): screen differs from Golden/\(name).txt (TSCOPE_UPDATE_GOLDEN=1 regenerates)
        first difference at line \(first?.offset ?? min(actualLines.count, expectedLines.count)):
        expected: \(first.map { String($0.element.1) } ?? "")
        actual:   \(first.map { String($0.element.0) } ?? "")
        """)
    }
  }

  private let theme = Theme.defaultDark
  private let standard = TerminalSize(width: 80, height: 24)
  private let large = TerminalSize(width: 120, height: 40)

  @Test func opening80x24() throws {
    try Self.check("open-80x24", render(try Self.state(after: ""), size: standard, theme: theme))
  }

  @Test func opening120x40() throws {
    try Self.check("open-120x40", render(try Self.state(after: ""), size: large, theme: theme))
  }

  @Test func supernormalAndGroupAfterMoving80x24() throws {
    let state = try Self.state(after: "jjsg")
    try Self.check("moved-sr-group-80x24", render(state, size: standard, theme: theme))
  }

  @Test func compareView120x40() throws {
    try Self.check("compare-120x40", render(try Self.state(after: "c"), size: large, theme: theme))
  }

  @Test func compareTable80x24AndHistograms() throws {
    // The SQNR × group table with SF4(5) added (key 3), the current group (128) highlighted.
    try Self.check("compare-80x24", render(try Self.state(after: "3c"), size: standard, theme: theme))
    try Self.check("compare-histograms-80x24", render(try Self.state(after: "ce"), size: standard, theme: theme))
  }

  @Test func errorHistogramLinearZoomed80x24() throws {
    try Self.check("error-linear-zoom-80x24", render(try Self.state(after: "eyz"), size: standard, theme: theme))
  }

  @Test func helpOverlay80x24() throws {
    try Self.check("help-80x24", render(try Self.state(after: "?"), size: standard, theme: theme))
  }

  @Test func formatPicker80x24() throws {
    try Self.check("picker-80x24", render(try Self.state(after: "fjj "), size: standard, theme: theme))
  }

  @Test func filterAndInt64Tensor80x24() throws {
    try Self.check("int64-80x24", render(try Self.state(after: "/position<enter>"), size: standard, theme: theme))
  }

  @Test func allNaNTensor80x24() throws {
    try Self.check("nan-80x24", render(try Self.state(after: "/broken<enter>"), size: standard, theme: theme))
  }

  @Test func asciiMonochrome80x24() throws {
    let screen = render(try Self.state(after: ""), size: standard, theme: theme.monochrome(), glyphs: .ascii)
    #expect(screen.cells.allSatisfy { $0.character.isASCII })
    try Self.check("ascii-mono-80x24", screen)
  }

  @Test func monochromeBrailleDotsTheNormalCurve() throws {
    // Without colour the normal curve is dotted, the t curve solid (issue 16).
    let screen = render(try Self.state(after: ""), size: standard, theme: theme.monochrome(), glyphs: .unicode)
    try Self.check("mono-braille-80x24", screen)
  }

  @Test func smallest40x12AndTooSmall() throws {
    let state = try Self.state(after: "")
    try Self.check("small-40x12", render(state, size: TerminalSize.minimum, theme: theme))
    let tiny = render(state, size: TerminalSize(width: 39, height: 11), theme: theme)
    #expect(tiny.plainText.contains("terminal too small"))
    try Self.check("too-small-39x11", tiny)
  }

  @Test func sortedListsKeepTheBlockAndTheNameWithTheSortKey() throws {
    // By size, then by ν: flat lists with the value they are sorted by on the right.
    try Self.check("sorted-size-80x24", render(try Self.state(after: "o"), size: standard, theme: theme))
    try Self.check("sorted-nu-120x40", render(try Self.state(after: "oo"), size: large, theme: theme))
  }

  @Test func shortLabelsOfSortedLists() {
    #expect(TensorLabel.short("encoder.layer.5.attention.output.LayerNorm.bias") == "5.attn.out.LN.bias")
    #expect(TensorLabel.short("model.layers.12.self_attn.q_proj.weight") == "12.attn.q_proj.weight")
    #expect(TensorLabel.short("lm_head.weight") == "lm_head.weight")
    #expect(TensorLabel.fitted("model.layers.12.mlp.down_proj.weight", 14, ellipsis: "…") == "12.…roj.weight")
  }

  @Test func overview80x24And120x40() throws {
    // Attention q expanded, the cursor on its first tensor.
    let state = try Self.state(after: "vjjlj")
    try Self.check("overview-80x24", render(state, size: standard, theme: theme))
    try Self.check("overview-120x40", render(state, size: large, theme: theme))
    try Self.check("overview-delta-80x24", render(try Self.state(after: "vd"), size: standard, theme: theme))
  }

  @Test func pareto80x24And120x40() throws {
    // The paper's formats with a published cost: INT4, E2M1, E2M1-I, E2M1-B, APoT4 (NF4 and SF4 have none).
    let state = try Self.state(after: "678p")
    try Self.check("pareto-80x24", render(state, size: standard, theme: theme))
    try Self.check("pareto-120x40", render(state, size: large, theme: theme))
    try Self.check("pareto-bpw-weighted-80x24", render(try Self.state(after: "678pxxw"), size: standard, theme: theme))
  }

  @Test func overviewAndParetoAtEverySize() throws {
    for keys in ["vjjl", "678p"] {
      let state = try Self.state(after: keys)
      for width in stride(from: 40, through: 130, by: 9) {
        for height in stride(from: 12, through: 45, by: 3) {
          let screen = render(state, size: TerminalSize(width: width, height: height), theme: theme)
          #expect(screen[0, 0].character == "┌" && screen[width - 1, height - 1].character == "┘", "\(width)x\(height)")
        }
      }
    }
  }

  @Test func everySizeFrom40x12Up() throws {
    // Not golden: every size renders a closed frame with the status line (no crash, no gap).
    let state = try Self.state(after: "c")
    for width in stride(from: 40, through: 130, by: 9) {
      for height in stride(from: 12, through: 45, by: 3) {
        let screen = render(state, size: TerminalSize(width: width, height: height), theme: theme)
        #expect(screen[0, 0].character == "┌" && screen[width - 1, height - 1].character == "┘", "\(width)x\(height)")
        #expect(screen.text(row: height - 2).contains("group"), "\(width)x\(height)")
      }
    }
  }
}

/// The model the golden screens show: deterministic, in memory.
enum GoldenModel {
  static func make() -> Model {
    func values(_ count: Int, seed: UInt64, scale: Float, tail: Float) -> [Float] {
      var state = seed
      func uniform() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (Float(state >> 40) + 0.5) / Float(1 << 24)
      }
      return (0..<count).map { _ in
        let u = uniform() * 2 - 1
        let v = uniform()
        return scale * u / max(v.squareRoot(), tail)
      }
    }
    func tensor(_ name: String, _ data: [Float], _ shape: [Int]) -> Tensor {
      let storage = ByteStorage.owning(data.withUnsafeBytes { Array($0) })
      return Tensor(
        info: TensorInfo(name: name, dtype: .f32, shape: shape, file: "golden"), storage: storage,
        bytes: storage.bytes)
    }
    let ids = (0..<16).map { Int64($0) }
    let idStorage = ByteStorage.owning(ids.withUnsafeBytes { Array($0) })
    return Model(
      path: "golden.safetensors",
      tensors: [
        tensor(
          "encoder.layer.0.attention.query.weight", values(128 * 128, seed: 11, scale: 0.03, tail: 0.15), [128, 128]),
        tensor(
          "encoder.layer.0.intermediate.dense.weight", values(256 * 128, seed: 12, scale: 0.02, tail: 0.3), [256, 128]),
        tensor(
          "encoder.layer.1.attention.query.weight", values(128 * 128, seed: 13, scale: 0.03, tail: 0.5), [128, 128]),
        tensor(
          "encoder.layer.1.intermediate.dense.weight", values(256 * 128, seed: 14, scale: 0.02, tail: 0.2), [256, 128]),
        Tensor(
          info: TensorInfo(name: "position_ids", dtype: .i64, shape: [16], file: "golden"), storage: idStorage,
          bytes: idStorage.bytes),
        tensor("broken.weight", [Float](repeating: .nan, count: 256), [2, 128]),
      ], metadata: [:])
  }
}
