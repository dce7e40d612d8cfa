import Foundation
import Parallel
import Testing

@testable import Kernels

/// The shipped row's error histogram (the explorer's `--against`) against counts made here.
@Test func shippedErrorHistogramCountsEveryErrorOfASmallTensor() throws {
  let rows = 6
  let length = 40
  let original = (0..<(rows * length)).map { Float(sin(Double($0) * 0.7)) }
  let map = [3, 0, 4, 1, 5, 2]
  // Shipped row r holds original row map[r], rounded to F16.
  let shipped = map.flatMap { row in original[(row * length)..<((row + 1) * length)].map { Float(Float16($0)) } }
  let bins = 16
  let histogram = try ShippedErrorPass.errorHistogram(
    shipped: TensorFixtures.f16(shipped, shape: [rows, length]),
    original: TensorFixtures.f32(original, shape: [rows, length]), originalRows: map, maxElements: 1 << 20,
    bins: bins)
  var errors: [Double] = []
  for (position, row) in map.enumerated() {
    for column in 0..<length {
      errors.append(Double(original[row * length + column]) - Double(shipped[position * length + column]))
    }
  }
  let edge = errors.map(abs).max()! * (1 + 1e-6)
  var expected = [Int](repeating: 0, count: bins)
  // Binned as every histogram of Kernels bins: position (e − lower) · (bins / width).
  let perUnit = Double(bins) / (2 * edge)
  for error in errors { expected[min(bins - 1, max(0, Int((error + edge) * perUnit)))] += 1 }
  #expect(histogram.lower == -edge && histogram.upper == edge)
  #expect(histogram.counts == expected)
}

@Test func shippedErrorHistogramSamplesRowsAndStopsWhenCancelled() throws {
  // 64 rows of 32: a sample of at most 512 elements reads 16 whole rows.
  let original = (0..<(64 * 32)).map { Float($0 % 7) * 0.25 }
  let shipped = original.map { $0 + 0.125 }
  let histogram = try ShippedErrorPass.errorHistogram(
    shipped: TensorFixtures.f32(shipped, shape: [64, 32]), original: TensorFixtures.f32(original, shape: [64, 32]),
    maxElements: 512, bins: 8)
  #expect(histogram.total == 512)
  // Every error is −0.125: all in the first bin of ±0.125·(1 + 1e-6).
  #expect(histogram.counts[0] == 512)
  #expect(throws: Cancelled.self) {
    try ShippedErrorPass.errorHistogram(
      shipped: TensorFixtures.f32(shipped, shape: [64, 32]), original: TensorFixtures.f32(original, shape: [64, 32]),
      maxElements: 512, bins: 8, isCancelled: { true })
  }
  #expect(throws: Cancelled.self) {
    try ShippedErrorPass.measure(
      shipped: TensorFixtures.f32(shipped, shape: [64, 32]), original: TensorFixtures.f32(original, shape: [64, 32]),
      isCancelled: { true })
  }
}
