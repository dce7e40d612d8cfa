import Distributions
import Foundation
import Testing

@testable import TensorIO

/// A seeded mutation fuzzer over every parser: valid files written by the gguf, numpy and
/// safetensors packages plus the malformed corpus are mutated (bit flips, interesting integers,
/// truncation, splices) and fed to `Model.open` and a full decode. Any outcome but a model or a
/// `TensorFileError` is a crash of the test process, whose last input stays on disk for
/// scripts/fuzz to keep as a regression.
///
/// `TSCOPE_FUZZ_SECONDS` bounds the run by time (scripts/fuzz); `TSCOPE_FUZZ_SEED` picks the
/// seed. Without them a short deterministic run is part of the ordinary test suite.
@Suite struct MutationFuzzTests {
  @Test func mutatedFilesNeverCrashTheReaders() throws {
    let environment = ProcessInfo.processInfo.environment
    let seconds = environment["TSCOPE_FUZZ_SECONDS"].flatMap(Double.init)
    var generator = SplitMix64(seed: environment["TSCOPE_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_240_607)
    let seeds = try seedFiles()
    #expect(seeds.count > 30)

    let work = URL(fileURLWithPath: environment["TSCOPE_FUZZ_WORK"] ?? NSTemporaryDirectory())
      .appendingPathComponent("tscope-fuzz-\(getpid())")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }

    let deadline = Date().addingTimeInterval(seconds ?? 0)
    var iterations = 0
    var opened = 0
    while seconds == nil ? iterations < 1500 : Date() < deadline {
      let seed = seeds[Int(generator.next() % UInt64(seeds.count))]
      let input = Mutator.mutate(seed.bytes, using: &generator)
      // The input's file name carries the seed's extension, which picks the reader.
      let path = work.appendingPathComponent("input.\(seed.fileExtension)").path
      FileManager.default.createFile(atPath: path, contents: Data(input))
      do {
        _ = try openAndDecodeEverything(path)
        opened += 1
      } catch {
        #expect(error.description.allSatisfy { !$0.isNewline })
      }
      // Only a crashing input is left behind (scripts/fuzz keeps it as a regression).
      try FileManager.default.removeItem(atPath: path)
      iterations += 1
    }
    print("fuzz: \(iterations) inputs, \(opened) opened, \(iterations - opened) refused")
  }

  private struct Seed {
    let bytes: [UInt8]
    let fileExtension: String
  }

  private func seedFiles() throws -> [Seed] {
    let fixtures = try PythonFixtures.shared.get()
    let valid = Set(fixtures.entries.map(\.file)).sorted().map(fixtures.path) + [fixtures.path("seed.safetensors")]
    return try (valid + MalformedCorpus.all).map { path in
      Seed(
        bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))),
        fileExtension: URL(fileURLWithPath: path).pathExtension)
    }
  }
}

/// Byte-level mutations that reach the checks a parser must make: lengths and counts replaced
/// by boundary values, flipped bits, truncations, and duplicated or removed spans.
enum Mutator {
  static let interestingIntegers: [UInt64] = [
    0, 1, 2, 3, 4, 7, 8, 16, 31, 32, 33, 63, 64, 255, 256, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF,
    0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF,
  ]

  static func mutate(_ original: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
    var bytes = original
    let rounds = 1 + Int(generator.next() % 4)
    for _ in 0..<rounds {
      guard !bytes.isEmpty else { return bytes }
      let position = Int(generator.next() % UInt64(bytes.count))
      switch generator.next() % 7 {
      case 0:
        bytes[position] ^= UInt8(1) << UInt8(generator.next() % 8)
      case 1:
        bytes[position] = [0, 1, 0x7F, 0x80, 0xFF][Int(generator.next() % 5)]
      case 2, 3:
        // An interesting integer, 2, 4 or 8 bytes wide, little-endian: lengths, counts, offsets.
        let width = [2, 4, 8][Int(generator.next() % 3)]
        var value = interestingIntegers[Int(generator.next() % UInt64(interestingIntegers.count))]
        if generator.next() % 4 == 0 { value = UInt64(original.count) &+ (generator.next() % 64) &- 32 }
        for byte in 0..<width where position + byte < bytes.count {
          bytes[position + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte)))
        }
      case 4:
        bytes.removeSubrange(position...)
      case 5:
        let end = min(bytes.count, position + 1 + Int(generator.next() % 64))
        bytes.insert(contentsOf: bytes[position..<end], at: Int(generator.next() % UInt64(bytes.count)))
      default:
        let end = min(bytes.count, position + 1 + Int(generator.next() % 64))
        bytes.removeSubrange(position..<end)
      }
    }
    return bytes
  }
}
