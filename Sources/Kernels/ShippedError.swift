import Foundation
import Parallel
import TensorIO

/// The error a shipped (quantized) tensor really made against its original, element for element:
/// the definitions of `QuantizationMetrics` (Float64 sums) with x the original and x̂ the shipped
/// value. Elements where either side is NaN or ±Inf are counted and left out of every metric.
public struct ShippedError: Sendable, Hashable {
  /// Elements compared.
  public let count: Int
  public let finiteCount: Int
  public let nonFiniteCount: Int
  /// Σx² over the finite elements.
  public let signalSum: Double
  /// Σ(x − x̂)² over the finite elements.
  public let errorSum: Double
  public let maxAbsError: Double

  /// mean((x − x̂)²).
  public var mse: Double { finiteCount > 0 ? errorSum / Double(finiteCount) : 0 }
  /// 10·log10(Σx² / Σ(x − x̂)²); +∞ when the error is zero.
  public var sqnrDB: Double { errorSum > 0 ? 10 * log10(signalSum / errorSum) : .infinity }
  /// ‖x − x̂‖ / ‖x‖ (0 for an all-zero original without error, +∞ with one).
  public var relativeL2: Double {
    signalSum > 0 ? (errorSum / signalSum).squareRoot() : (errorSum > 0 ? .infinity : 0)
  }
}

/// Measures `ShippedError` chunk by chunk: both tensors are decoded into Float32 buffers a
/// chunk at a time (never whole), on all cores for large tensors, merged in chunk order so the
/// sums do not depend on scheduling.
public enum ShippedErrorPass {
  /// Elements per chunk: 64 Ki (two 256 KiB buffers a worker).
  static let chunkElements = 1 << 16

  /// The error of `shipped` against `original` (same element count). `originalRows`, when
  /// given, names for each row of `shipped` the row of `original` it holds (a converter's row
  /// permutation undone): the tensors' elements split evenly into that many rows.
  public static func measure(shipped: Tensor, original: Tensor, originalRows: [Int]? = nil) -> ShippedError {
    do {
      return try measure(shipped: shipped, original: original, originalRows: originalRows, isCancelled: { false })
    } catch {
      preconditionFailure("a pass that is never cancelled was cancelled")
    }
  }

  /// The same, polling `isCancelled` between chunks (the explorer's focused work); throws
  /// `Cancelled` when it is set.
  public static func measure(
    shipped: Tensor, original: Tensor, originalRows: [Int]? = nil, isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> ShippedError {
    precondition(shipped.count == original.count)
    let count = shipped.count
    // With a row map a chunk is whole rows (of count / rows elements: 1 for a bias); without
    // one, any run of elements.
    let rowLength = originalRows.map { count / max($0.count, 1) } ?? 1
    if let originalRows { precondition(originalRows.count * rowLength == count) }
    let unit = rowLength
    let unitsPerChunk = max(1, chunkElements / unit)
    let units = count / max(unit, 1)
    let chunks = (units + unitsPerChunk - 1) / unitsPerChunk
    guard chunks > 0 else {
      return ShippedError(count: 0, finiteCount: 0, nonFiniteCount: 0, signalSum: 0, errorSum: 0, maxAbsError: 0)
    }
    let workers = count < 1 << 20 ? 1 : min(WorkerPool.allCores, chunks)
    let slots = ResultSlots<[Sums]>(count: workers)
    withoutActuallyEscaping(isCancelled) { isCancelled in
      WorkerPool.run(count: workers, threads: workers) { worker in
        let capacity = min(unitsPerChunk * unit, count)
        var shippedBuffer = [Float](repeating: 0, count: capacity)
        var originalBuffer = [Float](repeating: 0, count: capacity)
        var partial: [Sums] = []
        for chunk in (chunks * worker / workers)..<(chunks * (worker + 1) / workers) {
          if isCancelled() { return }
          let firstUnit = chunk * unitsPerChunk
          let endUnit = min(units, firstUnit + unitsPerChunk)
          let range = (firstUnit * unit)..<(endUnit * unit)
          shippedBuffer.withUnsafeMutableBufferPointer { whole in
            shipped.decode(range, into: UnsafeMutableBufferPointer(rebasing: whole[0..<range.count]))
          }
          originalBuffer.withUnsafeMutableBufferPointer { whole in
            if let originalRows {
              for row in firstUnit..<endUnit {
                let source = originalRows[row] * rowLength
                let offset = (row - firstUnit) * rowLength
                original.decode(
                  source..<(source + rowLength),
                  into: UnsafeMutableBufferPointer(rebasing: whole[offset..<(offset + rowLength)]))
              }
            } else {
              original.decode(range, into: UnsafeMutableBufferPointer(rebasing: whole[0..<range.count]))
            }
          }
          partial.append(Sums.of(originalBuffer[0..<range.count], shippedBuffer[0..<range.count]))
        }
        slots.store(partial, at: worker)
      }
    }
    if isCancelled() { throw Cancelled() }
    var total = Sums()
    for sums in (slots.results() ?? []).joined() { total.merge(sums) }
    return ShippedError(
      count: count, finiteCount: total.finite, nonFiniteCount: count - total.finite, signalSum: total.signal,
      errorSum: total.error, maxAbsError: total.maxAbs)
  }

  /// One chunk's sums.
  struct Sums: Sendable {
    var finite = 0
    var signal = 0.0
    var error = 0.0
    var maxAbs = 0.0

    static func of(_ original: ArraySlice<Float>, _ shipped: ArraySlice<Float>) -> Sums {
      var sums = Sums()
      for (x, y) in zip(original, shipped) where x.isFinite && y.isFinite {
        let value = Double(x)
        let difference = value - Double(y)
        sums.finite += 1
        sums.signal += value * value
        sums.error += difference * difference
        sums.maxAbs = max(sums.maxAbs, abs(difference))
      }
      return sums
    }

    mutating func merge(_ other: Sums) {
      finite += other.finite
      signal += other.signal
      error += other.error
      maxAbs = max(maxAbs, other.maxAbs)
    }
  }
}
