import Foundation
import Testing

@testable import TensorIO

/// Chunked decoding covers every element once, in order, with the right first index.
@Suite final class ChunkedDecodeTests {
  let fixture: SafetensorsFixture
  init() throws { fixture = try SafetensorsFixture() }
  deinit { fixture.remove() }

  @Test(arguments: [1, 7, 1000, 1001, 65_536])
  func chunksConcatenateToTheWholeTensor(chunkElements: Int) throws {
    // 1000 BF16 values (the top halves of k/4). The decoding itself is checked against numpy
    // elsewhere; this checks that chunks cover every element once, in order.
    let bits = (0..<1000).map { UInt16(truncatingIfNeeded: (Float($0) / 4).bitPattern >> 16) }
    let data = bits.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let path = try fixture.write(
      "chunks.safetensors", header: #"{"x":{"dtype":"BF16","shape":[10,100],"data_offsets":[0,2000]}}"#, data: data)
    let tensor = try Model.open(path).tensor(named: "x")!
    var collected: [Float] = []
    var expectedStart = 0
    tensor.forEachDecodedChunk(chunkElements: chunkElements) { chunk, firstIndex in
      #expect(firstIndex == expectedStart && chunk.count <= chunkElements)
      collected += chunk
      expectedStart += chunk.count
    }
    let reference = bits.map { Float(bitPattern: UInt32($0) << 16) }
    #expect(collected == reference)
    #expect(tensor.decodedValues() == reference)
  }
}
