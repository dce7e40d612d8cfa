import Foundation
import TensorIO
import Testing

@testable import Explorer

/// `R` after a model file changed on disk: the session takes the model as it is now, keeps the
/// cursor on the same tensor by name, drops what it measured on the old bytes and clears the
/// changed state; a file that still cannot be opened leaves one line in the status.
struct ReopenSessionTests {
  /// A safetensors file of F32 vectors, in the given order.
  static func write(_ tensors: [(name: String, values: [Float])], to path: String) throws {
    var header: [String] = []
    var data: [UInt8] = []
    for tensor in tensors {
      let start = data.count
      for value in tensor.values { data += (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
      header.append(
        "\"\(tensor.name)\":{\"dtype\":\"F32\",\"shape\":[\(tensor.values.count)],\"data_offsets\":[\(start),\(data.count)]}"
      )
    }
    let json = Array("{\(header.joined(separator: ","))}".utf8)
    let length = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * $0)) }
    try Data(length + json + data).write(to: URL(fileURLWithPath: path))
  }

  static func values(_ seed: Int, scale: Float = 1) -> [Float] {
    (0..<4096).map { scale * Float(sin(Double($0 * seed + 1))) }
  }

  /// A scratch folder, removed after `body`.
  static func inFolder(_ body: (String) throws -> Void) throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tscope-reopen-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try body(folder.path)
  }

  /// The tensor under the cursor, by name.
  static func cursorName(_ state: State) -> String? {
    let rows = LayerTree.rows(state)
    guard state.cursor < rows.count, case .tensor(let index, _, _) = rows[state.cursor] else { return nil }
    return state.tensors[index].name
  }

  @Test func reopeningTakesTheNewFileAndKeepsTheCursorByName() throws {
    try Self.inFolder { folder in
      let path = folder + "/m.safetensors"
      try Self.write(
        [("blk.0.a", Self.values(3)), ("blk.0.b", Self.values(5)), ("blk.1.a", Self.values(7))], to: path)
      let session = Session(model: try Model.open(path), modelName: "m.safetensors", showsTimings: false)
      session.send(.start)
      session.settle()
      // Down to blk.0.b: loaded, fitted, its table computed.
      session.send(.key(.character("j")))
      session.settle()
      #expect(Self.cursorName(session.state) == "blk.0.b")
      let before = try #require(session.state.loaded)
      #expect(before.range.amax == Double(Self.values(5).map(abs).max()!))
      #expect(!session.state.results.isEmpty)

      // Rewritten: a tensor inserted before it (its index moves), every value doubled.
      try Self.write(
        [
          ("blk.0.0", Self.values(11)), ("blk.0.a", Self.values(3, scale: 2)), ("blk.0.b", Self.values(5, scale: 2)),
          ("blk.1.a", Self.values(7, scale: 2)),
        ], to: path)
      // On to blk.1.a (a block of one is shown as its tensor): its load finds the file changed.
      session.send(.key(.character("j")))
      session.settle()
      let changed = try #require(session.state.fileProblem)
      #expect(changed.hasPrefix("\(path): changed on disk"))

      session.send(.key(.character("R")))
      session.settle()
      let state = session.state
      #expect(state.fileProblem == nil)
      #expect(!state.isReopening)
      #expect(state.tensors.map(\.name) == ["blk.0.0", "blk.0.a", "blk.0.b", "blk.1.a"])
      // The cursor stayed on the tensor it was on (blk.1.a), now at another index.
      #expect(Self.cursorName(state) == "blk.1.a")
      #expect(state.focusedTensor == 3)
      let loaded = try #require(state.loaded)
      #expect(loaded.entry.name == "blk.1.a")
      #expect(loaded.range.amax == Double(Self.values(7, scale: 2).map(abs).max()!))
      #expect(state.tensorStatus == .ready)
      // Nothing measured on the old bytes is left: every result is for the new file's tensor.
      #expect(state.results.keys.allSatisfy { $0.tensor == "blk.1.a" })
      #expect(state.fits.keys.allSatisfy { $0 == "blk.1.a" })
      // The new model is the one read: moving on loads the inserted tensor's doubled values.
      session.send(.key(.character("k")))
      session.settle()
      #expect(session.state.loaded?.entry.name == "blk.0.b")
      #expect(session.state.loaded?.range.amax == Double(Self.values(5, scale: 2).map(abs).max()!))
      #expect(session.state.fileProblem == nil)
    }
  }

  @Test func aTensorThatIsGoneLeavesTheCursorOnTheNearest() throws {
    try Self.inFolder { folder in
      let path = folder + "/m.safetensors"
      try Self.write([("a", Self.values(3)), ("b", Self.values(5)), ("c", Self.values(7))], to: path)
      let session = Session(model: try Model.open(path), modelName: "m.safetensors", showsTimings: false)
      session.send(.start)
      session.send(.key(.character("j")))
      session.send(.key(.character("j")))
      session.settle()
      #expect(Self.cursorName(session.state) == "c")
      try Self.write([("a", Self.values(3)), ("b", Self.values(5))], to: path)
      session.send(.key(.character("R")))
      session.settle()
      #expect(Self.cursorName(session.state) == "b")
      #expect(session.state.loaded?.entry.name == "b")
    }
  }

  @Test func aFileThatStillCannotBeOpenedLeavesOneLineAndTheSessionGoesOn() throws {
    try Self.inFolder { folder in
      let path = folder + "/m.safetensors"
      try Self.write([("a", Self.values(3)), ("b", Self.values(5))], to: path)
      let session = Session(model: try Model.open(path), modelName: "m.safetensors", showsTimings: false)
      session.send(.start)
      session.settle()
      #expect(truncate(path, 4) == 0)
      session.send(.key(.character("R")))
      session.settle()
      // The line is the one opening the file now gives.
      var expected = ""
      do { _ = try Model.open(path) } catch { expected = "\(error)" }
      #expect(!expected.isEmpty)
      #expect(session.state.fileProblem == expected)
      #expect(!session.state.isReopening)
      #expect(session.state.tensors.map(\.name) == ["a", "b"])
      // Still running: keys work, and the line stays until a reopen succeeds.
      session.send(.key(.character("j")))
      session.settle()
      #expect(session.state.focusedTensor == 1)
      #expect(session.state.fileProblem != nil)
      try Self.write([("a", Self.values(3)), ("b", Self.values(5))], to: path)
      session.send(.key(.character("R")))
      session.settle()
      #expect(session.state.fileProblem == nil)
      #expect(session.state.loaded?.entry.name == "b")
    }
  }
}
