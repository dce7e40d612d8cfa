import Explorer
import Foundation
import TensorIO
import Testing

@testable import TerminalUI

/// The screens a user sees on odd tensors (all zeros, a constant, ±1, all NaN) and a normal
/// control, read from a safetensors file written here: after every key string, with all work
/// settled, nothing says `nan`, and the status line says `ready` only when no row is still
/// computing, fitting or waiting for a fit.
struct OddTensorScreenTests {
  static let keyStrings = ["", "j", "jj", "jjj", "jjjj", "jj2", "jjs", "jjc", "e", "m"]
  static let size = TerminalSize(width: 100, height: 30)
  static let pending = ["computing…", "fitting…", "waiting for fit…"]

  /// A safetensors file of F32 tensors (name, rows × columns, values), in this order.
  static func writeModel(_ tensors: [(String, [Float])], columns: Int) throws -> String {
    var header: [String] = []
    var data: [UInt8] = []
    for (name, values) in tensors {
      let start = data.count
      values.withUnsafeBytes { data.append(contentsOf: $0) }
      header.append(
        "\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(values.count / columns),\(columns)],"
          + "\"data_offsets\":[\(start),\(data.count)]}")
    }
    var json = Array("{\(header.joined(separator: ","))}".utf8)
    while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
    var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
    bytes += json + data
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "tscope-odd-\(UUID().uuidString).safetensors")
    try Data(bytes).write(to: url)
    return url.path
  }

  static func oddModel() throws -> String {
    let count = 64 * 128
    var state: UInt64 = 7
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return (Double(state >> 11) + 0.5) / Double(1 << 53)
    }
    let signs = (0..<count).map { _ in Float(uniform() < 0.5 ? -1 : 1) }
    // Box–Muller: a deterministic normal control.
    let normal = (0..<count).map { _ in Float(0.02 * (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())) }
    return try writeModel(
      [
        ("a_zeros", [Float](repeating: 0, count: count)),
        ("b_constant", [Float](repeating: 0.25, count: count)),
        ("c_signs", signs),
        ("d_all_undefined", [Float](repeating: .nan, count: count)),
        ("e_normal", normal),
      ], columns: 128)
  }

  /// Checks one screen; `settled` says whether all work has finished.
  static func check(_ screen: Screen, _ label: String, settled: Bool) {
    let text = screen.plainText
    #expect(!text.contains("nan"), "\(label): shows nan\n\(text)")
    #expect(!text.contains("-inf"), "\(label): shows -inf\n\(text)")
    let status = screen.text(row: size.height - 2)
    let rowsPending = pending.filter { text.contains($0) }
    if status.contains("ready") {
      #expect(rowsPending.isEmpty, "\(label): ready while \(rowsPending)\n\(text)")
    }
    if settled {
      #expect(status.contains("ready"), "\(label): settled but not ready\n\(text)")
      #expect(!text.contains("fitting…"), "\(label): still fitting\n\(text)")
      #expect(!text.contains("waiting for fit…"), "\(label): still waiting for a fit\n\(text)")
    }
  }

  @Test func oddTensorScreensTellTheTruth() async throws {
    let path = try Self.oddModel()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let model = try Model.open(path)
    for keys in Self.keyStrings {
      let session = Session(model: model, modelName: "odd.safetensors", showsTimings: false)
      session.send(.start)
      Self.check(render(session.state, size: Self.size, theme: .defaultDark), "start of \"\(keys)\"", settled: false)
      await session.settle()
      for key in try Key.sequence(keys) {
        session.send(.key(key))
        Self.check(render(session.state, size: Self.size, theme: .defaultDark), "\"\(keys)\" mid-way", settled: false)
        await session.settle()
      }
      Self.check(render(session.state, size: Self.size, theme: .defaultDark), "\"\(keys)\"", settled: true)
      let ascii = render(session.state, size: Self.size, theme: .defaultDark, glyphs: .ascii)
      Self.check(ascii, "\"\(keys)\" ascii", settled: true)
    }
  }

  @Test func oddTensorGoldens() async throws {
    let path = try Self.oddModel()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let model = try Model.open(path)
    for (keys, name) in [("", "odd-zeros-100x30"), ("jj", "odd-signs-100x30"), ("jjjj", "odd-normal-100x30")] {
      let state = try await GoldenScreenTests.state(after: keys, model: model)
      try GoldenScreenTests.check(name, render(state, size: Self.size, theme: .defaultDark))
    }
  }

  @Test func nuSaysWhatItMeans() async throws {
    var state = try await GoldenScreenTests.state(after: "")
    for (nu, text) in [(1e7, "ν≥1e7 (normal)"), (9_987_036, "ν=1.0e7 (normal)"), (8.93, "ν=8.93"), (412, "ν=412")] {
      state.fit = .fitted(FitSummary(nu: nu, tLoc: 0, tScale: 0.02, normalLoc: 0, normalStd: 0.02, best: "t"))
      let screen = render(state, size: Self.size, theme: .defaultDark)
      #expect(screen.text(row: 2).contains("t: \(text) σ=0.020"), "\(nu): \(screen.text(row: 2))")
    }
    let ascii = render(state, size: Self.size, theme: .defaultDark, glyphs: .ascii)
    #expect(ascii.text(row: 2).contains("t: nu=412 s=0.020"))
    state.fit = .fitted(FitSummary(nu: 1e7, tLoc: 0, tScale: 0.02, normalLoc: 0, normalStd: 0.02, best: "t"))
    #expect(
      render(state, size: Self.size, theme: .defaultDark, glyphs: .ascii).text(row: 2).contains("nu>=1e7 (normal)"))
  }

  @Test func aFailedFitSaysWhyAndSF4ShowsAResultThatNuCannotChange() async throws {
    let path = try Self.oddModel()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let session = Session(model: try Model.open(path), modelName: "odd.safetensors", showsTimings: false)
    session.send(.start)
    await session.settle()
    // The all-zero tensor: no fit, and every format is exact.
    guard case .failed(let reason) = session.state.fit else {
      Issue.record("expected a failed fit, got \(session.state.fit)")
      return
    }
    let text = render(session.state, size: Self.size, theme: .defaultDark).plainText
    #expect(text.contains("no fit: \(reason)"))
    #expect(text.contains("SF4(any ν)"))
    #expect(text.contains("exact"))
    // Its SQNR is 0/0, and says so: not the ∞ of an exact result on a tensor with a signal.
    #expect(!text.contains("∞"))
    #expect(text.contains("0/0"))
    for row in session.state.tableRows {
      guard case .done(let result)? = row.outcome else {
        Issue.record("\(row.choice) has no result")
        continue
      }
      #expect(result.metrics.mse == 0)
      #expect(result.isNuIndependent == (row.choice.id == "sf4@fit"))
    }
  }
}
