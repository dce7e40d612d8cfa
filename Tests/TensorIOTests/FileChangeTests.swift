import Foundation
import Testing

@testable import TensorIO

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A mapped model file that changes on disk after opening is refused before its bytes are read:
/// one error naming the file, never a read past a truncated end (SIGBUS).
@Suite final class FileChangeTests {
  let fixture: SafetensorsFixture
  init() throws { fixture = try SafetensorsFixture() }
  deinit { fixture.remove() }

  private func writeModel() throws -> (path: String, size: Int) {
    let data = [UInt8](repeating: 0x3F, count: 8_000)
    let path = try fixture.write(
      "changing.safetensors", header: #"{"w":{"dtype":"F32","shape":[2000],"data_offsets":[0,8000]}}"#, data: data)
    let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    return (path, size)
  }

  @Test func anUnchangedFileReadsOn() throws {
    let (path, _) = try writeModel()
    let tensor = try #require(try Model.open(path).tensor(named: "w"))
    try tensor.checkFileUnchanged()
    #expect(tensor.decodedValues().count == 2000)
  }

  @Test func aTruncatedFileIsNamedWithBothSizes() throws {
    let (path, size) = try writeModel()
    let tensor = try #require(try Model.open(path).tensor(named: "w"))
    #expect(truncate(path, 100) == 0)
    let error = try #require(throws: TensorFileError.self) { try tensor.checkFileUnchanged() }
    #expect(error.file == path)
    #expect((1000..<1_000_000).contains(size))
    let grouped = "\(size / 1000),\(String(format: "%03d", size % 1000))"
    #expect(error.problem == "changed on disk (size \(grouped) → 100 bytes) since it was opened")
  }

  @Test func aRewrittenFileOfTheSameSizeIsRefused() throws {
    let (path, _) = try writeModel()
    let tensor = try #require(try Model.open(path).tensor(named: "w"))
    // A later modification time, as a writer in place would leave (same size, new bytes).
    var times = [timespec(tv_sec: 4_000_000_000, tv_nsec: 0), timespec(tv_sec: 4_000_000_000, tv_nsec: 0)]
    #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    let error = try #require(throws: TensorFileError.self) { try tensor.checkFileUnchanged() }
    #expect(error.problem == "changed on disk (rewritten) since it was opened")
  }

  @Test func aFileReplacedByRenameIsStillTheOneRead() throws {
    let (path, _) = try writeModel()
    let tensor = try #require(try Model.open(path).tensor(named: "w"))
    let other = try fixture.writeRaw("other.bin", bytes: [1, 2, 3])
    #expect(rename(other, path) == 0)
    try tensor.checkFileUnchanged()
    #expect(tensor.decodedValues().count == 2000)
  }
}
