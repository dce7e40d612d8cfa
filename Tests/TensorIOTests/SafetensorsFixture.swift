import Foundation

@testable import TensorIO

/// Builds safetensors files byte by byte in a scratch folder, including malformed ones.
struct SafetensorsFixture {
  let folder: URL

  init() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("tscope-io-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  /// Writes `header` (JSON text) with the given declared length (default: its real length) and `data`.
  @discardableResult
  func write(
    _ name: String, header: String, declaredLength: UInt64? = nil, data: [UInt8] = []
  ) throws -> String {
    let headerBytes = Array(header.utf8)
    return try writeRaw(
      name, bytes: Self.lengthPrefix(declaredLength ?? UInt64(headerBytes.count)) + headerBytes + data)
  }

  @discardableResult
  func writeRaw(_ name: String, bytes: [UInt8]) throws -> String {
    let url = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
    return url.path
  }

  static func lengthPrefix(_ length: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
  }

  /// The error `Model.open` throws for `path`, or nil when it opens.
  static func openingError(_ path: String) -> TensorFileError? {
    do {
      _ = try Model.open(path)
      return nil
    } catch {
      return error
    }
  }

  func remove() { try? FileManager.default.removeItem(at: folder) }
}
