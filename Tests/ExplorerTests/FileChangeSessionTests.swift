import Foundation
import TensorIO
import Testing

@testable import Explorer

/// A model file truncated after opening: the session marks the tensor and keeps the file's
/// name in the status line instead of reading past the file's end.
struct FileChangeSessionTests {
  @Test func aTruncatedFileIsNamedOnTheTensorAndInTheStatus() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tscope-change-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let header = Array(#"{"w":{"dtype":"F32","shape":[64,64],"data_offsets":[0,16384]}}"#.utf8)
    let length = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * $0)) }
    let values = (0..<4096).flatMap { index in
      (0..<4).map { UInt8(truncatingIfNeeded: Float(sin(Double(index))).bitPattern >> (8 * $0)) }
    }
    let path = folder.appendingPathComponent("m.safetensors").path
    try Data(length + header + values).write(to: URL(fileURLWithPath: path))
    let model = try Model.open(path)
    #expect(truncate(path, 100) == 0)

    let session = Session(model: model, modelName: "m.safetensors")
    session.send(.start)
    session.settle()
    let size = 8 + header.count + 16384
    let line =
      "\(path): changed on disk (size \(size / 1000),\(String(format: "%03d", size % 1000)) → 100 bytes) since it was opened"
    #expect(session.state.tensorStatus == .unanalysable(line))
    #expect(session.state.fileProblem == line)
    // Another key does not clear it: the file stays changed.
    session.send(.key(.character("j")))
    session.settle()
    #expect(session.state.fileProblem == line)
  }
}
