import Foundation
import Testing

@testable import TensorIO

/// Every tensor the `gguf` and `numpy` packages wrote is listed with their name, dtype and shape,
/// and decodes bit for bit to the values gguf-py's `dequantize` / numpy's `astype(float32)` give.
@Suite struct GGUFAndNumpyDecodingTests {
  let fixtures: PythonFixtures

  init() throws { fixtures = try PythonFixtures.shared.get() }

  @Test func everyFixtureFileIsCovered() {
    let files = Set(fixtures.entries.map(\.file))
    for file in [
      "model.gguf", "model_v2.gguf", "aligned64.gguf", "every_type.gguf", "activations.npz",
      "activations_compressed.npz",
    ] {
      #expect(files.contains(file))
    }
  }

  @Test func namesDtypesAndShapesMatchThePythonPackages() throws {
    for (file, entries) in Dictionary(grouping: fixtures.entries, by: \.file) {
      let model = try Model.open(fixtures.path(file))
      #expect(Set(model.tensors.map(\.name)) == Set(entries.map(\.name)), "\(file)")
      for entry in entries {
        let info = try #require(model.tensor(named: entry.name)?.info, "\(file): \(entry.name)")
        #expect(info.dtype.description == entry.dtype, "\(file): \(entry.name)")
        #expect(info.shape == entry.shape, "\(file): \(entry.name)")
        #expect(info.displayShape == entry.displayShape, "\(file): \(entry.name)")
        #expect(info.file == file)
      }
    }
  }

  @Test func decodedValuesMatchBitForBit() throws {
    for (file, entries) in Dictionary(grouping: fixtures.entries, by: \.file) {
      let model = try Model.open(fixtures.path(file))
      for entry in entries where entry.expected != nil {
        let tensor = try #require(model.tensor(named: entry.name))
        let expected = try fixtures.expectedValues(entry)
        #expect(expected.count == tensor.count, "\(file): \(entry.name)")
        let whole = decode(tensor, 0..<tensor.count)
        #expect(mismatches(whole, expected) == 0, "\(file): \(entry.name) whole")
        // Ranges that start and end inside blocks decode the enclosing blocks.
        var pieces: [Float] = []
        var start = 0
        while start < tensor.count {
          let end = min(start + 37, tensor.count)
          pieces += decode(tensor, start..<end)
          start = end
        }
        #expect(mismatches(pieces, expected) == 0, "\(file): \(entry.name) in pieces of 37")
      }
    }
  }

  @Test func everyBlockTypeOfGGMLsTableIsDecoded() throws {
    let model = try Model.open(fixtures.path("every_type.gguf"))
    let decoded = Set(
      model.tensors.compactMap { info -> GGMLBlockType? in
        if case .ggml(let type) = info.dtype { return type }
        return nil
      })
    let q8Types: Set<GGMLBlockType> = [.q8_1]  // no file holds Q8_1: ggml and gguf-py disagree on its size
    let first = try Model.open(fixtures.path("model.gguf")).tensors.compactMap { info -> GGMLBlockType? in
      if case .ggml(let type) = info.dtype { return type }
      return nil
    }
    #expect(decoded.union(first).union(q8Types) == Set(GGMLBlockType.allCases))
    for type in GGMLBlockType.allCases { #expect(DType.ggml(type).isAnalysable, "\(type.name)") }
  }

  /// A type id ggml does not define is listed by number with its reason; the file still opens and
  /// the tensors after it are placed and decoded as usual.
  @Test func unknownGGMLTypeIsListedByNumberNotRefused() throws {
    let model = try Model.open(fixtures.path("every_type.gguf"))
    let tensor = try #require(model.tensor(named: "future.weight"))
    #expect(tensor.info.dtype == .unknownGGML(99))
    #expect(tensor.info.dtype.description == "type 99")
    #expect(!tensor.info.dtype.isAnalysable)
    #expect(tensor.info.dtype.unanalysableReason?.contains("unknown GGML type id 99") == true)
    #expect(tensor.info.shape == [3, 512])
    // Its bytes run to the next tensor: the 300 written plus the alignment padding.
    #expect((300..<332).contains(tensor.bytes.count))
    #expect(throws: TensorFileError.self) { try tensor.requireDecodable() }
    #expect(throws: Never.self) { try model.tensor(named: "after.weight")?.requireDecodable() }
  }

  @Test func ggufMetadataIsKeptAsText() throws {
    let model = try Model.open(fixtures.path("model.gguf"))
    #expect(model.metadata["general.architecture"] == "llama")
    #expect(model.metadata["general.name"] == "tscope fixture")
    #expect(model.metadata["fixture.uint32"] == "4096")
    #expect(model.metadata["fixture.int32"] == "-7")
    #expect(model.metadata["fixture.float32"] == "0.5")
    #expect(model.metadata["fixture.bool"] == "true")
    #expect(model.metadata["fixture.uint64"] == String(1 << 40))
    #expect(model.metadata["fixture.short_array"] == "[1, 2, 3]")
    let tokens = try #require(model.metadata["fixture.tokens"])
    #expect(tokens.hasPrefix("[100 strings: \"tok0\", \"tok1\""))
    #expect(tokens.hasSuffix(", …]"))
    #expect(model.metadata["GGUF.version"] == "3")
    #expect(try Model.open(fixtures.path("model_v2.gguf")).metadata["GGUF.version"] == "2")
  }

  @Test func littleEndianCOrderNpyIsMappedInPlace() throws {
    let path = fixtures.path("f4_c.npy")
    let model = try Model.open(path)
    let tensor = try #require(model.tensor(named: "f4_c"))
    let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    // The data is the file's last bytes: no copy was made.
    #expect(tensor.bytes.count == 6 * 10 * 4)
    #expect(tensor.storage.bytes.count == size)
  }

  private func decode(_ tensor: Tensor, _ range: Range<Int>) -> [Float] {
    [Float](unsafeUninitializedCapacity: range.count) { buffer, count in
      tensor.decode(range, into: buffer)
      count = range.count
    }
  }

  private func mismatches(_ actual: [Float], _ expected: [Float]) -> Int {
    guard actual.count == expected.count else { return max(actual.count, expected.count) }
    return zip(actual, expected).filter { $0.bitPattern != $1.bitPattern }.count
  }
}

/// Q8_1 is in ggml's table but in no file gguf-py can write (gguf-py sizes its block as 40 bytes,
/// ggml as 36): its blocks decode as their layout says, d·q.
@Suite struct Q8_1DecodingTests {
  @Test func blockDecodesToScaleTimesQuant() {
    var block = [UInt8](repeating: 0, count: GGMLBlockType.q8_1.blockBytes)
    #expect(block.count == 36)
    let d = Float16(0.375)
    withUnsafeBytes(of: d.bitPattern.littleEndian) { for (index, byte) in $0.enumerated() { block[index] = byte } }
    block[2] = 0xFF  // the sum field is ignored
    let quants = (0..<32).map { Int8($0 * 8 - 128) }
    for (index, q) in quants.enumerated() { block[4 + index] = UInt8(bitPattern: q) }
    var out = [Float](repeating: 0, count: 32)
    block.withUnsafeBytes { raw in
      out.withUnsafeMutableBufferPointer { GGMLBlockDecoder.decode(.q8_1, bytes: raw, range: 0..<32, into: $0) }
    }
    #expect(out == quants.map { Float($0) * 0.375 })
  }
}
