import Foundation
import Testing

@testable import TensorIO

/// Header validation: every malformed case is one `TensorFileError` naming the file and the problem.
@Suite final class SafetensorsHeaderTests {
  let fixture: SafetensorsFixture
  init() throws { fixture = try SafetensorsFixture() }
  deinit { fixture.remove() }

  private func expectRejected(
    header: String, declaredLength: UInt64? = nil, data: [UInt8] = [], mentioning words: [String],
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let path = try fixture.write("bad.safetensors", header: header, declaredLength: declaredLength, data: data)
    let error = SafetensorsFixture.openingError(path)
    #expect(error?.file == path, sourceLocation: sourceLocation)
    for word in words {
      #expect(
        error?.problem.contains(word) == true, "\(error?.problem ?? "opened") lacks \(word)",
        sourceLocation: sourceLocation)
    }
  }

  @Test func readsNamesDtypesShapesMetadataAndBytes() throws {
    // a: F32 [2] = 1.0, 2.0; b: I8 [] (scalar) = -3; c: F16 [0, 4] (empty).
    let header = """
      {"__metadata__":{"format":"pt","note":"ok"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},\
      "b":{"dtype":"I8","shape":[],"data_offsets":[8,9]},"c":{"dtype":"F16","shape":[0,4],"data_offsets":[9,9]}}
      """
    let data: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0xFD]
    let path = try fixture.write("ok.safetensors", header: header, data: data)
    let model = try Model.open(path)
    #expect(model.tensors.map(\.name) == ["a", "b", "c"])
    #expect(model.tensors.map(\.dtype) == [.f32, .i8, .f16])
    #expect(model.tensors.map(\.shape) == [[2], [], [0, 4]])
    #expect(model.tensors.map(\.count) == [2, 1, 0])
    #expect(model.tensors.allSatisfy { $0.file == "ok.safetensors" })
    #expect(model.metadata == ["format": "pt", "note": "ok"])
    var values = [Float](repeating: 0, count: 2)
    values.withUnsafeMutableBufferPointer { model.tensor(named: "a")!.decode(0..<2, into: $0) }
    #expect(values == [1, 2])
    var scalar: [Float] = [0]
    scalar.withUnsafeMutableBufferPointer { model.tensor(named: "b")!.decode(0..<1, into: $0) }
    #expect(scalar == [-3])
  }

  @Test func listsTensorsInDataOffsetOrderWhateverTheKeyOrder() throws {
    let header = """
      {"z":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[2,3]},\
      "m":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}
      """
    let path = try fixture.write("order.safetensors", header: header, data: [1, 2, 3])
    #expect(try Model.open(path).tensors.map(\.name) == ["z", "m", "a"])
  }

  @Test func acceptsDtypesTscopeListsButDoesNotDecode() throws {
    let header = """
      {"u":{"dtype":"U32","shape":[2],"data_offsets":[0,8]},"f6":{"dtype":"F6_E3M2","shape":[4],"data_offsets":[8,11]}}
      """
    let model = try Model.open(
      try fixture.write("other.safetensors", header: header, data: Array(repeating: 0, count: 11)))
    #expect(model.tensors.map(\.dtype) == [.other("U32"), .other("F6_E3M2")])
    #expect(model.tensors.allSatisfy { !$0.dtype.isAnalysable })
  }

  @Test func rejectsAFileShorterThanTheLengthPrefix() throws {
    let path = try fixture.writeRaw("short.safetensors", bytes: [1, 2, 3])
    let error = SafetensorsFixture.openingError(path)
    #expect(error?.file == path && error?.problem.contains("too short") == true)
  }

  @Test func rejectsAHeaderLengthPastTheEnd() throws {
    try expectRejected(header: "{}", declaredLength: 1000, mentioning: ["header length 1000", "past the end"])
  }

  @Test func rejectsAHeaderLengthOverTheCap() throws {
    try expectRejected(header: "{}", declaredLength: 1 << 40, mentioning: ["exceeds"])
  }

  @Test func rejectsAHeaderThatIsNotAnObject() throws {
    try expectRejected(header: "[1,2]", mentioning: ["does not start with '{'"])
  }

  @Test func rejectsInvalidUTF8() throws {
    let bytes = SafetensorsFixture.lengthPrefix(4) + [UInt8(ascii: "{"), 0xFF, 0xFE, UInt8(ascii: "}")]
    let path = try fixture.writeRaw("utf8.safetensors", bytes: bytes)
    #expect(SafetensorsFixture.openingError(path)?.problem.contains("UTF-8") == true)
  }

  @Test func rejectsMalformedJSON() throws {
    try expectRejected(
      header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#, mentioning: ["not valid JSON"])
    try expectRejected(header: #"{"a":1,}"#, mentioning: ["not valid JSON"])
  }

  @Test func rejectsAnUnknownDtype() throws {
    try expectRejected(
      header: #"{"a":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
      mentioning: ["\"a\"", "unknown dtype \"F12\""])
  }

  @Test func rejectsNegativeOrFractionalDimensions() throws {
    try expectRejected(
      header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
      mentioning: ["non-negative integers"])
    try expectRejected(
      header: #"{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
      mentioning: ["non-negative integers"])
  }

  @Test func rejectsAShapeWhoseElementCountOverflows() throws {
    try expectRejected(
      header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
      mentioning: ["overflows"])
  }

  @Test func rejectsOffsetsOutOfRangeOrReversed() throws {
    try expectRejected(
      header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0],
      mentioning: ["past the end of the data section (4 bytes)"])
    try expectRejected(
      header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0],
      mentioning: ["end before they begin"])
    try expectRejected(
      header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}"#, data: [0, 0, 0, 0],
      mentioning: ["two non-negative integers"])
  }

  @Test func rejectsAShapeThatDisagreesWithTheByteRange() throws {
    try expectRejected(
      header: #"{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
      mentioning: ["needs 6 bytes", "hold 4"])
  }

  @Test func rejectsOverlappingRanges() throws {
    try expectRejected(
      header: """
        {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}
        """,
      data: Array(repeating: 0, count: 8), mentioning: ["\"a\"", "\"b\"", "overlap"])
  }

  @Test func rejectsDuplicateNamesAndMissingFields() throws {
    try expectRejected(
      header: """
        {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}
        """,
      data: [0, 0], mentioning: ["appears twice"])
    try expectRejected(header: #"{"a":{"dtype":"U8","shape":[1]}}"#, data: [0], mentioning: ["no \"data_offsets\""])
  }

  @Test func rejectsNonStringMetadata() throws {
    try expectRejected(header: #"{"__metadata__":{"n":1}}"#, mentioning: ["__metadata__", "not a string"])
  }

  @Test func rejectsAFileWithNoHeaderEvenIfLong() throws {
    let path = try fixture.writeRaw("zeros.safetensors", bytes: Array(repeating: 0, count: 64))
    #expect(SafetensorsFixture.openingError(path)?.problem.contains("'{'") == true)
  }
}
