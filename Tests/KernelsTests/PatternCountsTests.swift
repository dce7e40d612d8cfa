import Distributions
import TensorIO
import Testing

@testable import Kernels

/// The explorer's load of an F16/BF16 tensor counts bit patterns instead of decoding every
/// element: the range and histogram it derives from the counts must be those of the decoding
/// passes, bin for bin. (Fits' tests check the counting itself against a plain count.)
struct PatternCountsTests {
  /// Student's t-like values over many binades, with NaN, ±Inf, ±0 and subnormals mixed in.
  private static func values(count: Int) -> [Float] {
    var random = SplitMix64(seed: 11)
    var values = (0..<count).map { _ -> Float in
      let u = (Double(random.next() >> 11) + 0.5) / Double(1 << 53)
      let v = (Double(random.next() >> 11) + 0.5) / Double(1 << 53)
      return Float((u - 0.5) / (v * v + 0.01) * 0.02)
    }
    let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1e-40, -3e-39, 6e-8, -6e-8, 65504, -65504]
    for (index, special) in specials.enumerated() { values[(index * 7919) % count] = special }
    return values
  }

  /// Pattern counts straight from the bytes, one element at a time.
  private static func tally(_ tensor: Tensor) -> [Int] {
    var counts = [Int](repeating: 0, count: 1 << 16)
    for index in 0..<tensor.count {
      counts[Int(tensor.bytes[2 * index]) | Int(tensor.bytes[2 * index + 1]) << 8] += 1
    }
    return counts
  }

  @Test(arguments: [DType.bf16, .f16], [1, 4099, 1 << 18])
  func rangeAndHistogramEqualTheDecodingPasses(dtype: DType, count: Int) throws {
    let values = Self.values(count: count)
    let tensor = dtype == .bf16 ? TensorFixtures.bf16(values) : TensorFixtures.f16(values)
    let patterns = PatternCounts(dtype: dtype, counts: Self.tally(tensor))
    let range = try ValueRange.scan(tensor)
    #expect(patterns.range == range)
    let edge = range.amax > 0 ? range.amax * (1 + 1e-6) : 1
    // The explorer's range, one narrower than the data (values clamp into the end bins) and an
    // empty one.
    for (bounds, bins) in [(-edge...edge, 200), (-0.01...0.03, 37), (0.5...0.5, 10)] {
      #expect(
        patterns.histogram(range: bounds, bins: bins) == (try Histogram.values(of: tensor, range: bounds, bins: bins)))
    }
  }
}
