import Foundation
import Testing

@testable import TensorIO

/// GGUF tensors of type ids ggml does not define: listed with the bytes up to the next tensor (or
/// the end of the file), never refusing the file, in time linear-ish in the tensor count.
@Suite struct UnknownGGMLTypeTests {
  /// A GGUF v3 file with no metadata: (name, ne, type id, offset) infos, then `data` at 32-byte alignment.
  private func gguf(_ infos: [(String, [UInt64], UInt32, UInt64)], data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = Array("GGUF".utf8)
    func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
    put(UInt32(3))
    put(UInt64(infos.count))
    put(UInt64(0))
    for (name, dimensions, type, offset) in infos {
      put(UInt64(name.utf8.count))
      out += Array(name.utf8)
      put(UInt32(dimensions.count))
      for dimension in dimensions { put(dimension) }
      put(type)
      put(offset)
    }
    out += [UInt8](repeating: 0, count: (32 - out.count % 32) % 32)
    return out + data
  }

  private func open(_ bytes: [UInt8]) throws -> Model {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tscope-unknown-\(UUID().uuidString).gguf")
    try Data(bytes).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    return try Model.open(url.path)
  }

  @Test func lastTensorOfAnUnknownTypeRunsToTheEndOfTheFile() throws {
    let model = try open(
      gguf([("w", [4, 2], 0, 0), ("future", [7, 3], 12345, 32)], data: .init(repeating: 1, count: 32 + 50)))
    let future = try #require(model.tensor(named: "future"))
    #expect(future.info.dtype == .unknownGGML(12345))
    #expect(future.info.shape == [3, 7])
    #expect(future.bytes.count == 50)
    #expect(model.tensor(named: "w")?.decodedValues().count == 8)
  }

  @Test func retiredIDsAreUnknownToo() throws {
    // 4 (Q4_2) and 31 (Q4_0_4_4) are ids ggml once had and removed.
    for id: UInt32 in [4, 5, 31, 36, 43, UInt32.max] {
      let model = try open(gguf([("t", [32], id, 0)], data: .init(repeating: 0, count: 16)))
      #expect(model.tensor(named: "t")?.info.dtype == .unknownGGML(id))
      #expect(model.tensor(named: "t")?.info.dtype.description == "type \(id)")
    }
  }

  @Test func manyUnknownTensorsOpenQuickly() throws {
    let count = 20_000
    let infos = (0..<count).map { ("t\($0)", [UInt64(8)], UInt32(99), UInt64($0 * 32)) }
    let clock = ContinuousClock()
    let elapsed = try clock.measure {
      let model = try open(gguf(infos, data: .init(repeating: 0, count: count * 32)))
      #expect(model.tensors.count == count)
      #expect(model.tensor(named: "t7")?.bytes.count == 32)
    }
    #expect(elapsed < .seconds(10))
  }
}
