import Foundation
import Testing

@testable import TensorIO

/// Dropping a mapped tensor's pages from the resident set must not change what it decodes to:
/// the read-only map is backed by the file, so the pages come back on the next read.
@Suite final class ResidentPagesTests {
  let fixture: SafetensorsFixture
  init() throws { fixture = try SafetensorsFixture() }
  deinit { fixture.remove() }

  @Test func releasedTensorsDecodeTheSameValuesAgain() throws {
    let values = (0..<20_000).map { Float($0) * 0.25 - 17 }
    let data = values.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
    let path = try fixture.write(
      "pages.safetensors",
      header:
        #"{"a":{"dtype":"F32","shape":[10000],"data_offsets":[0,40000]},"b":{"dtype":"F32","shape":[10000],"data_offsets":[40000,80000]}}"#,
      data: data)
    let model = try Model.open(path)
    let first = try #require(model.tensor(named: "a"))
    let second = try #require(model.tensor(named: "b"))
    #expect(first.decodedValues() == Array(values[..<10_000]))
    first.releaseResidentPages()
    second.releaseResidentPages()
    #expect(first.decodedValues() == Array(values[..<10_000]))
    #expect(second.decodedValues() == Array(values[10_000...]))
  }

  @Test func ownedBuffersAreLeftAlone() {
    let storage = ByteStorage.owning([0, 0, 128, 63])
    let tensor = Tensor(
      info: TensorInfo(name: "one", dtype: .f32, shape: [1], file: "memory"), storage: storage, bytes: storage.bytes)
    tensor.releaseResidentPages()
    #expect(tensor.decodedValues() == [1])
  }
}
