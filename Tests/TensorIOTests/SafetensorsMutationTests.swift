import Distributions
import Testing

@testable import TensorIO

/// A seeded mutation loop over a valid file: whatever the bytes, validation either accepts a
/// header whose every tensor lies inside the file or throws a `TensorFileError` — never traps.
@Suite struct SafetensorsMutationTests {
  static let seedFile: [UInt8] = {
    let header = """
      {"__metadata__":{"format":"pt"},"a":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},\
      "b":{"dtype":"BF16","shape":[4],"data_offsets":[12,20]},"c":{"dtype":"F8_E4M3","shape":[],"data_offsets":[20,21]}}
      """
    let bytes = Array(header.utf8)
    return SafetensorsFixture.lengthPrefix(UInt64(bytes.count)) + bytes + (0..<21).map { UInt8($0) }
  }()

  @Test func mutatedFilesAreRejectedCleanlyOrReadInBounds() {
    var random = SplitMix64(seed: 2024)
    var accepted = 0
    let alphabet = Array(#"{}[]",:0123456789-.eE"#.utf8) + [0, 0xFF, 0x80]
    for _ in 0..<20_000 {
      var bytes = Self.seedFile
      for _ in 0..<Int.random(in: 1...4, using: &random) {
        let position = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<4, using: &random) {
        case 0: bytes[position] = alphabet.randomElement(using: &random)!
        case 1: bytes[position] = UInt8.random(in: 0...255, using: &random)
        case 2: bytes.remove(at: position)
        default: bytes.insert(alphabet.randomElement(using: &random)!, at: position)
        }
      }
      let header = bytes.withUnsafeBytes { file in
        try? SafetensorsHeader(file: file, displayName: "mutant.safetensors")
      }
      guard let header else { continue }
      accepted += 1
      for entry in header.entries {
        #expect(header.dataStart + entry.dataRange.upperBound <= bytes.count)
        #expect(entry.dataRange.count * 8 == entry.shape.reduce(1, *) * SafetensorsDType(name: "\(entry.dtype)")!.bits)
      }
    }
    #expect(accepted > 0)  // some mutations (inside the data, or harmless) must still be readable
  }
}
