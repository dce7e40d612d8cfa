import Parallel
import TensorIO

/// The first pass over a large tensor: counts, moments around `center`, a histogram of the top
/// 16 bits of each value's order key (to find the buckets of the median ranks), and Student's t
/// terms at `parameters` (with derivatives when the fit will take a Newton step from them).
struct FirstPass: Sendable {
  var finiteCount = 0
  var shiftedSum = 0.0
  var shiftedSquares = 0.0
  var bucketCounts = [Int](repeating: 0, count: OrderKey.bucketCount)
  var terms = StudentTTerms()
  /// The chunk's finite values as Double, for the t terms (reused, chunk-sized).
  private var finite = [Double](repeating: 0, count: ChunkedScan.chunkLength)

  mutating func add(
    _ chunk: UnsafeBufferPointer<Float>, center: Double, parameters: StudentTParameters, derivatives: Bool
  ) {
    precondition(chunk.count <= finite.count)
    var kept = 0
    var sum = 0.0
    var squares = 0.0
    finite.withUnsafeMutableBufferPointer { finite in
      bucketCounts.withUnsafeMutableBufferPointer { counts in
        // The bucket is the key's top 16 bits, so < 65536 = counts.count; kept ≤ chunk.count ≤ finite.count.
        if StreamingChunk.isAllFinite(chunk) {
          // Fast path: four lanes of sums, so the adds do not wait on each other.
          var sums = SIMD4<Double>.zero
          var squareSums = SIMD4<Double>.zero
          let groups = chunk.count / 4
          for group in 0..<groups {
            let base = group * 4
            let values = SIMD4(chunk[base], chunk[base + 1], chunk[base + 2], chunk[base + 3])
            let x = SIMD4<Double>(values)
            let d = x - center
            sums += d
            squareSums += d * d
            for lane in 0..<4 {
              counts[Int(OrderKey.of(values[lane]) >> 16)] += 1
              finite[base + lane] = x[lane]
            }
          }
          sum = sums.sum()
          squares = squareSums.sum()
          kept = groups * 4
        }
        for value in chunk[kept...] where value.isFinite {
          counts[Int(OrderKey.of(value) >> 16)] += 1
          let x = Double(value)
          finite[kept] = x
          kept += 1
          let d = x - center
          sum += d
          squares += d * d
        }
      }
      parameters.accumulate(UnsafeBufferPointer(rebasing: finite[0..<kept]), into: &terms, derivatives: derivatives)
    }
    finiteCount += kept
    shiftedSum += sum
    shiftedSquares += squares
  }

  mutating func merge(_ other: FirstPass) {
    finiteCount += other.finiteCount
    shiftedSum += other.shiftedSum
    shiftedSquares += other.shiftedSquares
    for bucket in 0..<OrderKey.bucketCount { bucketCounts[bucket] += other.bucketCounts[bucket] }
    terms.add(other.terms)
  }
}

/// The second pass: a histogram of the low 16 bits of the keys inside the (one or two) buckets
/// that hold the median ranks, Σ|x − pivot| over all elements for the mean absolute deviation, and
/// Student's t log terms at the moved parameters (when there are any).
struct SecondPass: Sendable {
  let buckets: [Int]
  let pivot: Double
  var lowCounts: [[Int]]
  var absoluteDeviations = 0.0
  var terms = StudentTTerms()
  private var finite = [Double](repeating: 0, count: ChunkedScan.chunkLength)

  init(buckets: [Int], pivot: Double) {
    precondition(buckets.count == 1 || buckets.count == 2)
    self.buckets = buckets
    self.pivot = pivot
    lowCounts = buckets.map { _ in [Int](repeating: 0, count: OrderKey.bucketCount) }
  }

  mutating func add(_ chunk: UnsafeBufferPointer<Float>, parameters: StudentTParameters?) {
    precondition(chunk.count <= finite.count)
    let first = UInt32(buckets[0])
    let last = UInt32(buckets[buckets.count - 1])
    let lowest = SIMD4(repeating: OrderKey.value(of: first << 16))
    let highest = SIMD4(repeating: OrderKey.value(of: last << 16 | 0xFFFF))
    var kept = 0
    var deviations = 0.0
    var start = 0
    if StreamingChunk.isAllFinite(chunk) {
      // Fast path: four lanes of |x − pivot|, the bucket test per lane (rarely true).
      var (lane0, lane1, lane2, lane3) = (0.0, 0.0, 0.0, 0.0)
      let groups = chunk.count / 4
      for group in 0..<groups {
        let base = group * 4
        let values = SIMD4(chunk[base], chunk[base + 1], chunk[base + 2], chunk[base + 3])
        lane0 += abs(Double(values[0]) - pivot)
        lane1 += abs(Double(values[1]) - pivot)
        lane2 += abs(Double(values[2]) - pivot)
        lane3 += abs(Double(values[3]) - pivot)
        // The target buckets span one value interval; only groups touching it need keys.
        if any((values .>= lowest) .& (values .<= highest)) {
          for lane in 0..<4 {
            let key = OrderKey.of(values[lane])
            if key >> 16 == first || key >> 16 == last {
              lowCounts[key >> 16 == first ? 0 : buckets.count - 1][Int(key & 0xFFFF)] += 1
            }
          }
        }
      }
      deviations = (lane0 + lane1) + (lane2 + lane3)
      start = groups * 4
    }
    for value in chunk[start...] where value.isFinite {
      let key = OrderKey.of(value)
      if key >> 16 == first || key >> 16 == last {
        lowCounts[key >> 16 == first ? 0 : buckets.count - 1][Int(key & 0xFFFF)] += 1
      }
      deviations += abs(Double(value) - pivot)
    }
    if let parameters {
      finite.withUnsafeMutableBufferPointer { finite in
        for value in chunk where value.isFinite {
          finite[kept] = Double(value)  // kept ≤ chunk.count ≤ finite.count
          kept += 1
        }
        parameters.accumulate(UnsafeBufferPointer(rebasing: finite[0..<kept]), into: &terms, derivatives: false)
      }
    }
    absoluteDeviations += deviations
  }

  mutating func merge(_ other: SecondPass) {
    for slot in buckets.indices {
      for low in 0..<OrderKey.bucketCount { lowCounts[slot][low] += other.lowCounts[slot][low] }
    }
    absoluteDeviations += other.absoluteDeviations
    terms.add(other.terms)
  }
}

/// Chunk-level helpers for the passes.
enum StreamingChunk {
  /// Whether every value is finite: x·0 is 0 for finite x and NaN for ±∞ and NaN, and a sum of
  /// four lanes of such products stays 0 only if all were finite.
  static func isAllFinite(_ chunk: UnsafeBufferPointer<Float>) -> Bool {
    var lanes = SIMD4<Float>.zero
    let groups = chunk.count / 4
    for group in 0..<groups {
      let base = group * 4
      lanes += SIMD4(chunk[base], chunk[base + 1], chunk[base + 2], chunk[base + 3]) * 0
    }
    return lanes.sum() == 0
  }
}
