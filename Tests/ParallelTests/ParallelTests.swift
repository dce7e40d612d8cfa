import Foundation
import Parallel
import TensorIO
import Testing

/// `Tensor.memoized` computes a value once per tensor and key, and never shares it across tensors.
@Test func memoizedValuesAreComputedOncePerTensorAndKey() {
  let storage = ByteStorage.owning([0, 0, 128, 63, 0, 0, 0, 64])
  let whole = Tensor(
    info: TensorInfo(name: "two", dtype: .f32, shape: [2], file: "memory"), storage: storage, bytes: storage.bytes)
  let first = Tensor(
    info: TensorInfo(name: "one", dtype: .f32, shape: [1], file: "memory"), storage: storage,
    bytes: UnsafeRawBufferPointer(rebasing: storage.bytes[0..<4]))
  var computations = 0
  let sum = { (tensor: Tensor) -> Float in
    computations += 1
    return tensor.decodedValues().reduce(0, +)
  }
  #expect(whole.memoized("sum") { sum(whole) } == 3)
  #expect(whole.memoized("sum") { sum(whole) } == 3)
  #expect(computations == 1)
  #expect(first.memoized("sum") { sum(first) } == 1)
  #expect(whole.memoized("other") { sum(whole) } == 3)
  #expect(computations == 3)
}

/// A memo entry belongs to its storage object: a new storage, even one allocated where a freed
/// one was (same `ObjectIdentifier`), never sees the old storage's values.
@Test func memoizedValuesDieWithTheirStorage() {
  func tensor(_ bytes: [UInt8]) -> Tensor {
    let storage = ByteStorage.owning(bytes)
    return Tensor(
      info: TensorInfo(name: "one", dtype: .f32, shape: [1], file: "memory"), storage: storage, bytes: storage.bytes)
  }
  for value: Float in [1, 2, 3, 4, 5, 6, 7, 8] {
    // Each tensor (and storage) is freed at the end of the iteration, so the allocator may hand
    // the next storage the same address.
    let current = tensor(withUnsafeBytes(of: value) { Array($0) })
    #expect(current.memoized("value") { current.decodedValues()[0] } == value)
  }
}

@Test func resultSlotsReturnResultsInItemOrderOrNilWhenOneIsMissing() {
  let slots = ResultSlots<Int>(count: 64)
  WorkerPool.run(count: 64, threads: 4) { index in slots.store(index * index, at: index) }
  #expect(slots.results() == (0..<64).map { $0 * $0 })
  let partial = ResultSlots<Int>(count: 3)
  partial.store(1, at: 0)
  partial.store(3, at: 2)
  #expect(partial.results() == nil)
}

@Test func lockedSerializesUpdatesFromManyThreads() {
  let counter = Locked(0)
  WorkerPool.run(count: 1000, threads: 4) { _ in counter.withLock { $0 += 1 } }
  #expect(counter.withLock { $0 } == 1000)
}

/// A chunked reduction visits every element once, in chunks of at most `chunkLength`, and
/// throws `Cancelled` when its check says so.
@Test func chunkedScanVisitsEveryElementOnceAndStopsWhenCancelled() throws {
  let count = (1 << 20) + 12_345
  let values = (0..<count).map { Float($0 % 1000) }
  let storage = ByteStorage.owning(values.withUnsafeBytes { Array($0) })
  let tensor = Tensor(
    info: TensorInfo(name: "big", dtype: .f32, shape: [count], file: "memory"), storage: storage, bytes: storage.bytes)
  let parts = try ChunkedScan.reduce(
    tensor, isCancelled: { false }, makeState: { (count: 0, sum: 0.0, first: Int.max) },
    accumulate: { state, chunk, first in
      precondition(chunk.count <= ChunkedScan.chunkLength)
      state.count += chunk.count
      state.sum += chunk.reduce(0) { $0 + Double($1) }
      state.first = min(state.first, first)
    })
  #expect(parts.reduce(0) { $0 + $1.count } == count)
  #expect(parts.reduce(0) { $0 + $1.sum } == values.reduce(0) { $0 + Double($1) })
  #expect(parts.first?.first == 0)
  #expect(throws: Cancelled.self) {
    try ChunkedScan.reduce(tensor, isCancelled: { true }, makeState: { 0 }, accumulate: { _, _, _ in })
  }
}
