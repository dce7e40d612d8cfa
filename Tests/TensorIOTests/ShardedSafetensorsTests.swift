import Foundation
import Testing

@testable import TensorIO

/// Sharded models: an index's weight_map, or every *.safetensors of a folder in name order.
@Suite final class ShardedSafetensorsTests {
  let fixture: SafetensorsFixture
  init() throws { fixture = try SafetensorsFixture() }
  deinit { fixture.remove() }

  func writeShard(_ name: String, tensors: [String]) throws {
    var entries: [String] = []
    for (position, tensor) in tensors.enumerated() {
      entries.append(
        #""\#(tensor)":{"dtype":"F32","shape":[1],"data_offsets":[\#(position * 4),\#(position * 4 + 4)]}"#)
    }
    try fixture.write(
      "model/" + name, header: "{" + entries.joined(separator: ",") + "}",
      data: Array(repeating: 0, count: 4 * tensors.count))
  }

  private func writeIndex(_ map: [(String, String)]) throws -> String {
    let body = map.map { #""\#($0.0)":"\#($0.1)""# }.joined(separator: ",")
    return try fixture.writeRaw(
      "model/model.safetensors.index.json",
      bytes: Array(#"{"metadata":{"total_size":12},"weight_map":{\#(body)}}"#.utf8))
  }

  @Test func opensAnIndexWithShardsInFileNameOrder() throws {
    try writeShard("model-00002-of-00002.safetensors", tensors: ["c"])
    try writeShard("model-00001-of-00002.safetensors", tensors: ["a", "b"])
    let index = try writeIndex([
      ("c", "model-00002-of-00002.safetensors"), ("a", "model-00001-of-00002.safetensors"),
      ("b", "model-00001-of-00002.safetensors"),
    ])
    for path in [index, fixture.folder.appendingPathComponent("model").path] {
      let model = try Model.open(path)
      #expect(model.tensors.map(\.name) == ["a", "b", "c"])
      #expect(
        model.tensors.map(\.file) == [
          "model-00001-of-00002.safetensors", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
        ])
      #expect(model.metadata["total_size"] == "12")
    }
  }

  @Test func namesAMissingShard() throws {
    try writeShard("model-00001-of-00002.safetensors", tensors: ["a"])
    let index = try writeIndex([("a", "model-00001-of-00002.safetensors"), ("b", "model-00002-of-00002.safetensors")])
    let error = SafetensorsFixture.openingError(index)
    #expect(error?.file.hasSuffix("model-00002-of-00002.safetensors") == true)
    #expect(error?.problem.contains("missing") == true)
    #expect(error?.problem.contains("model.safetensors.index.json") == true)
  }

  @Test func rejectsAnIndexPlacingATensorInTheWrongShard() throws {
    try writeShard("one.safetensors", tensors: ["a"])
    let index = try writeIndex([("b", "one.safetensors")])
    #expect(SafetensorsFixture.openingError(index)?.problem.contains("has no tensor \"b\"") == true)
  }

  @Test func rejectsAnIndexPointingOutsideItsFolder() throws {
    let index = try writeIndex([("a", "../elsewhere.safetensors")])
    #expect(SafetensorsFixture.openingError(index)?.problem.contains("not a path inside") == true)
  }

  @Test func opensAFolderWithoutIndexAndRejectsDuplicates() throws {
    try writeShard("b.safetensors", tensors: ["y"])
    try writeShard("a.safetensors", tensors: ["x"])
    let folder = fixture.folder.appendingPathComponent("model").path
    #expect(try Model.open(folder).tensors.map(\.name) == ["x", "y"])
    try writeShard("c.safetensors", tensors: ["x"])
    #expect(SafetensorsFixture.openingError(folder)?.problem.contains("is in both") == true)
  }

  @Test func rejectsAnEmptyFolder() throws {
    let error = SafetensorsFixture.openingError(fixture.folder.path)
    #expect(error?.problem.contains("no .safetensors") == true)
  }
}

extension ShardedSafetensorsTests {
  @Test func ignoresAPyTorchIndexBesideTheShards() throws {
    try writeShard("model.safetensors", tensors: ["w"])
    try fixture.writeRaw(
      "model/pytorch_model.bin.index.json", bytes: Array(#"{"weight_map":{"w":"pytorch_model.bin"}}"#.utf8))
    #expect(try Model.open(fixture.folder.appendingPathComponent("model").path).tensors.map(\.name) == ["w"])
  }
}
