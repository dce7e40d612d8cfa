import Testing

@testable import Fits

/// `RadixSort.ascending` against `sorted()`: the same values in the same order (−0 and +0 compare
/// equal) and the same bit patterns, on samples as the fits see them and on arbitrary doubles.
struct RadixSortTests {
  private static func samples() -> [(name: String, values: [Double])] {
    var generator = SplitMix(seed: 7)
    let floats = (0..<70_000).map { index -> Double in
      switch index % 11 {
      case 0: return 0
      case 1: return -0.0
      case 2: return Double(Float.leastNonzeroMagnitude) * Double(generator.next() % 9) - 4e-45
      case 3: return Double(Float(generator.unit() * 2 - 1))
      case 4: return Double(Float.greatestFiniteMagnitude) * (generator.unit() - 0.5)
      default: return Double(Float((generator.unit() - 0.5) * 0.04))
      }
    }
    let doubles = (0..<50_000).map { _ in Double(bitPattern: generator.next() & ~(0x7FF0 << 48) | (0x3FF0 << 48)) - 1.5
    }
    let arbitrary = (0..<20_000).map { _ -> Double in
      let value = Double(bitPattern: generator.next())
      return value.isFinite ? value : 0
    }
    return [
      ("floats", floats), ("doubles", doubles), ("arbitrary bit patterns", arbitrary),
      ("small", Array(floats.prefix(100))), ("all equal", [Double](repeating: -2.5, count: 10_000)),
      ("empty", []),
    ]
  }

  @Test func sortsAsSortedDoes() {
    for (name, values) in Self.samples() {
      let radix = RadixSort.ascending(values)
      let reference = values.sorted()
      #expect(radix == reference, "\(name)")
      #expect(radix.map(\.bitPattern).sorted() == values.map(\.bitPattern).sorted(), "\(name)")
    }
  }
}

/// A small deterministic generator for the samples.
private struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
