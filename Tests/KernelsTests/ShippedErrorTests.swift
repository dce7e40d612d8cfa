import Foundation
import Testing

@testable import Kernels

/// The error pass against sums written out here in Float64, element by element.
@Test func shippedErrorEqualsDirectSumsOnAllWorkers() {
  // More than 2^20 elements, so the pass splits the tensor across workers.
  let count = (1 << 20) + 4099
  var generator = SystemRandomNumberGenerator()
  let original = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
  let shipped = original.map { Float(Float16($0)) }
  var signal = 0.0
  var noise = 0.0
  var maxAbs = 0.0
  for (x, y) in zip(original, shipped) {
    signal += Double(x) * Double(x)
    noise += (Double(x) - Double(y)) * (Double(x) - Double(y))
    maxAbs = max(maxAbs, abs(Double(x) - Double(y)))
  }
  let error = ShippedErrorPass.measure(shipped: TensorFixtures.f16(original), original: TensorFixtures.f32(original))
  #expect(error.count == count && error.finiteCount == count)
  #expect(abs(error.mse - noise / Double(count)) <= 1e-9 * noise / Double(count))
  #expect(abs(error.sqnrDB - 10 * log10(signal / noise)) < 1e-9)
  #expect(error.maxAbsError == maxAbs)
  #expect(abs(error.relativeL2 - (noise / signal).squareRoot()) < 1e-12)
}

@Test func shippedErrorFollowsTheRowMap() {
  // Shipped row r holds original row map[r]: with the map the error is zero, without it is not.
  let rows = 6
  let length = 5
  let original = (0..<(rows * length)).map { Float($0) }
  let map = [3, 0, 4, 1, 5, 2]
  let shipped = map.flatMap { row in original[(row * length)..<((row + 1) * length)] }
  let exact = ShippedErrorPass.measure(
    shipped: TensorFixtures.f32(shipped, shape: [rows, length]),
    original: TensorFixtures.f32(original, shape: [rows, length]), originalRows: map)
  #expect(exact.errorSum == 0 && exact.sqnrDB == .infinity && exact.relativeL2 == 0)
  let unmapped = ShippedErrorPass.measure(
    shipped: TensorFixtures.f32(shipped, shape: [rows, length]),
    original: TensorFixtures.f32(original, shape: [rows, length]))
  #expect(unmapped.errorSum > 0)
}

@Test func nonFiniteElementsAreCountedAndLeftOut() {
  let error = ShippedErrorPass.measure(
    shipped: TensorFixtures.f32([1, .nan, 3, 4]), original: TensorFixtures.f32([1, 2, .infinity, 2]))
  #expect(error.finiteCount == 2 && error.nonFiniteCount == 2)
  #expect(error.errorSum == 4 && error.signalSum == 5 && error.maxAbsError == 2)
}
