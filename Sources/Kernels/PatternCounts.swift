import CKernels
import Parallel
import TensorIO

/// How many times each 16-bit pattern occurs in an F16 or BF16 tensor.
///
/// Such a tensor has at most 65,536 distinct values, so one read that counts them answers the
/// explorer's load exactly (the finite count, the range, the value histogram) at the speed of a
/// plain read, where decoding every element to Float32 for each of them cost a pass apiece.
public struct PatternCounts: Sendable {
  public static let patternCount = 1 << 16
  /// F16 or BF16.
  public let dtype: DType
  /// `counts[p]`: the elements whose bits are `p`.
  public let counts: [Int]

  /// The value pattern `pattern` stands for (NaN and ±Inf included).
  public func value(of pattern: Int) -> Float {
    let bits = UInt16(truncatingIfNeeded: pattern)
    return dtype == .bf16 ? Float(bitPattern: UInt32(bits) << 16) : Float(Float16(bitPattern: bits))
  }

  /// Counts `tensor`'s patterns on all cores (each worker a contiguous run of the bytes); nil when
  /// its dtype is neither F16 nor BF16. Polls `isCancelled` every 2^20 elements.
  public static func count(_ tensor: Tensor, isCancelled: @Sendable () -> Bool = { false }) throws(Cancelled)
    -> PatternCounts?
  {
    let dtype = tensor.info.dtype
    guard dtype == .bf16 || dtype == .f16 else { return nil }
    let count = tensor.count
    let piece = 1 << 20
    let pieces = (count + piece - 1) / piece
    // Small tensors: one worker, since starting threads costs more than the work.
    let workers = max(1, count < 1 << 20 ? 1 : min(WorkerPool.allCores, pieces))
    let slots = ResultSlots<[Int]>(count: workers)
    withoutActuallyEscaping(isCancelled) { isCancelled in
      WorkerPool.run(count: workers, threads: workers) { worker in
        var tables = [UInt32](repeating: 0, count: 4 * patternCount)
        var totals = [Int](repeating: 0, count: patternCount)
        var sinceMerge = 0
        func merge() {
          for pattern in 0..<patternCount {
            totals[pattern] +=
              Int(tables[pattern]) + Int(tables[pattern + patternCount])
              + Int(tables[pattern + 2 * patternCount]) + Int(tables[pattern + 3 * patternCount])
          }
          for index in tables.indices { tables[index] = 0 }
          sinceMerge = 0
        }
        for index in (pieces * worker / workers)..<(pieces * (worker + 1) / workers) {
          // A cancelled worker leaves its slot empty.
          if isCancelled() { return }
          let start = index * piece
          let end = min(count, start + piece)
          // The C side reads the bytes with memcpy: they need not be 2-byte aligned.
          let elements = tensor.bytes.baseAddress!.advanced(by: 2 * start).assumingMemoryBound(to: UInt16.self)
          tables.withUnsafeMutableBufferPointer { tables in
            tk_count_patterns16(elements, Int64(end - start), tables.baseAddress!)
          }
          // Each of the four tables takes a quarter of the elements: merge long before a
          // UInt32 count could wrap.
          sinceMerge += end - start
          if sinceMerge >= 1 << 32 { merge() }
        }
        merge()
        slots.store(totals, at: worker)
      }
    }
    guard let parts = slots.results() else { throw Cancelled() }
    var counts = parts[0]
    for part in parts.dropFirst() {
      for pattern in 0..<patternCount { counts[pattern] += part[pattern] }
    }
    return PatternCounts(dtype: dtype, counts: counts)
  }

  /// The finite count and the least and greatest finite values.
  public var range: ValueRange {
    var finite = 0
    var low = Float.infinity
    var high = -Float.infinity
    for pattern in 0..<Self.patternCount where counts[pattern] > 0 {
      let value = value(of: pattern)
      guard value.isFinite else { continue }
      finite += counts[pattern]
      low = min(low, value)
      high = max(high, value)
    }
    return finite > 0
      ? ValueRange(finiteCount: finite, minimum: Double(low), maximum: Double(high))
      : ValueRange(finiteCount: 0, minimum: 0, maximum: 0)
  }

  /// The histogram `Histogram.values` makes of the tensor, bin for bin: the same bin of each
  /// value (tk_histogram's arithmetic), weighted by its count.
  public func histogram(range: ClosedRange<Double>, bins: Int) -> Histogram {
    let bins = max(bins, 1)
    var binCounts = [Int](repeating: 0, count: bins)
    let low = range.lowerBound
    let high = range.upperBound
    if high > low {
      let perUnit = Double(bins) / (high - low)
      for pattern in 0..<Self.patternCount where counts[pattern] > 0 {
        let value = value(of: pattern)
        guard value.isFinite else { continue }
        let position = (Double(value) - low) * perUnit
        let bin = position < 0 ? 0 : min(position, Double(bins - 1)).rounded(.towardZero)
        binCounts[Int(bin)] += counts[pattern]
      }
    }
    return Histogram(lower: low, upper: high, counts: binCounts)
  }
}
