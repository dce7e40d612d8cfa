import Foundation
import Testing

@testable import TensorIO

/// The table the SIGBUS handler reads: a mapped file's range names it while the map lives.
struct MappedRangesTests {
  static func scratchFile(bytes: Int) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tscope-ranges-\(UUID().uuidString)").path
    try Data(repeating: 7, count: bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  static func name(at address: UnsafeRawPointer?) -> String? {
    MappedRanges.name(containing: address).map { String(decoding: $0, as: UTF8.self) }
  }

  @Test func aMappedFileIsNamedForEveryAddressInsideItUntilItIsUnmapped() throws {
    let path = try Self.scratchFile(bytes: 3 * 4096 + 5)
    defer { try? FileManager.default.removeItem(atPath: path) }
    var storage: ByteStorage? = try ByteStorage.mapping(path: path, displayName: "shown/name.safetensors")
    let bytes = try #require(storage?.bytes)
    let base = try #require(bytes.baseAddress)
    #expect(Self.name(at: base) == "shown/name.safetensors")
    #expect(Self.name(at: base + bytes.count - 1) == "shown/name.safetensors")
    #expect(Self.name(at: base + bytes.count) == nil)
    #expect(Self.name(at: base - 1) == nil)
    #expect(Self.name(at: nil) == nil)
    storage = nil
    #expect(Self.name(at: base) == nil)
  }

  @Test func twoMapsAreToldApart() throws {
    let first = try Self.scratchFile(bytes: 4096)
    let second = try Self.scratchFile(bytes: 8192)
    defer {
      try? FileManager.default.removeItem(atPath: first)
      try? FileManager.default.removeItem(atPath: second)
    }
    let one = try ByteStorage.mapping(path: first, displayName: "one")
    let two = try ByteStorage.mapping(path: second, displayName: "two")
    #expect(Self.name(at: one.bytes.baseAddress! + 100) == "one")
    #expect(Self.name(at: two.bytes.baseAddress! + 8000) == "two")
  }

  @Test func aLongNameKeepsItsEndAndControlCharactersAreReplaced() {
    let long = String(repeating: "dir/", count: 100) + "模型-00003-of-00004.safetensors"
    let kept = MappedRanges.shortened(long)
    #expect(kept.count <= MappedRanges.nameCapacity)
    let text = String(decoding: kept, as: UTF8.self)
    #expect(text.hasPrefix("…"))
    #expect(text.hasSuffix("/模型-00003-of-00004.safetensors"))
    #expect(!text.contains("\u{FFFD}"))
    #expect(MappedRanges.shortened("a\u{1B}[2Jb\n") == Array("a?[2Jb?".utf8))
  }
}
