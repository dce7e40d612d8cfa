import Foundation

/// Fixture files written once per test run by the official `gguf` and `numpy` Python packages
/// (Tests/python/gguf_npy_fixtures.py), with the Float32 values each tensor must decode to.
struct PythonFixtures: Sendable {
  struct Entry: Decodable, Sendable {
    let file: String
    let name: String
    let dtype: String
    let shape: [Int]
    let displayShape: [Int]
    /// Raw little-endian Float32 file of the expected values; nil for tensors only listed.
    let expected: String?

    enum CodingKeys: String, CodingKey {
      case file, name, dtype, shape, expected
      case displayShape = "display_shape"
    }
  }

  let folder: URL
  let entries: [Entry]

  /// The fixtures, generated on first use (nil with a reason when Python could not write them).
  static let shared: Result<PythonFixtures, FixtureError> = generate()

  struct FixtureError: Error, CustomStringConvertible {
    let description: String
  }

  func path(_ file: String) -> String { folder.appendingPathComponent(file).path }

  /// The expected values of `entry`, read from the file Python wrote.
  func expectedValues(_ entry: Entry) throws -> [Float] {
    guard let expected = entry.expected else { return [] }
    let data = try Data(contentsOf: folder.appendingPathComponent(expected))
    return data.withUnsafeBytes { raw in
      (0..<(raw.count / 4)).map {
        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
      }
    }
  }

  private static func generate() -> Result<PythonFixtures, FixtureError> {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../python/gguf_npy_fixtures.py").standardized
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tscope-fixtures-\(UUID().uuidString)")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path, folder.path]
    let errors = Pipe()
    process.standardError = errors
    do {
      try process.run()
      let message = errors.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      guard process.terminationStatus == 0 else {
        return .failure(
          FixtureError(description: "python3 fixture writer failed: " + String(decoding: message, as: UTF8.self)))
      }
      let manifest = try Data(contentsOf: folder.appendingPathComponent("manifest.json"))
      let entries = try JSONDecoder().decode([Entry].self, from: manifest)
      return .success(PythonFixtures(folder: folder, entries: entries))
    } catch {
      return .failure(FixtureError(description: "cannot write fixtures with python3: \(error)"))
    }
  }
}
