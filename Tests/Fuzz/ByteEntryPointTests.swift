import Foundation
import Testing

@testable import TensorIO

/// The byte-taking entry points the fuzz targets call read what the path-taking ones read.
@Suite struct ByteEntryPointTests {
  let folder: URL

  init() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("tscope-bytes-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  @Test func legacyImatrixFromBytesEqualsFromPath() throws {
    var data = Data()
    func int32(_ value: Int32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    int32(1)
    let name = Array("blk.0.attn_q.weight".utf8)
    int32(Int32(name.count))
    data.append(contentsOf: name)
    int32(2)
    int32(3)
    for value: Float in [2, 4, 8] { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    let path = folder.appendingPathComponent("imatrix.dat").path
    try data.write(to: URL(fileURLWithPath: path))
    let fromPath = try ImportanceMatrix.read(path)
    let fromBytes = try ImportanceMatrix.read(ByteStorage.owning([UInt8](data)), path: path)
    #expect(fromPath.entries == fromBytes.entries)
    #expect(fromBytes.entries["blk.0.attn_q.weight"]?.meanSquares == [1, 2, 4])
  }

  @Test func quantizationConfigFromBytesEqualsFromFolder() throws {
    let json =
      #"{"architectures": ["X"], "quantization_config": {"quant_method": "FP8", "weight_block_size": [128, 128]}}"#
    try Data(json.utf8).write(to: folder.appendingPathComponent("config.json"))
    let loaded = try #require(try QuantizationConfig.load(folder: folder.path))
    let parsed = try #require(try QuantizationConfig.fromConfigJSON(Data(json.utf8), file: loaded.file))
    #expect(loaded.method == "fp8" && parsed.method == "fp8")
    #expect(loaded.members.map(\.key) == parsed.members.map(\.key))
    #expect(try QuantizationConfig.fromConfigJSON(Data(#"{"a": 1}"#.utf8), file: "config.json") == nil)
  }

  @Test func indexFromBytesNamesTheShards() throws {
    let json = #"{"metadata": {"total_size": 12}, "weight_map": {"a": "s1.safetensors", "b": "s2.safetensors"}}"#
    let parsed = try Array(json.utf8).withUnsafeBytes { try SafetensorsReader.parseIndex($0, path: "i.json") }
    #expect(parsed.shardOfTensor == ["a": "s1.safetensors", "b": "s2.safetensors"])
    #expect(parsed.metadata == ["total_size": "12"])
  }
}
