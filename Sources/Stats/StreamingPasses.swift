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
        for value in chunk where value.isFinite {
          // The bucket is the key's top 16 bits, so < 65536 = counts.count;
          // kept ≤ chunk.count ≤ finite.count.
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
    var kept = 0
    var deviations = 0.0
    finite.withUnsafeMutableBufferPointer { finite in
      for value in chunk where value.isFinite {
        let key = OrderKey.of(value)
        if key >> 16 == first || key >> 16 == last {
          lowCounts[key >> 16 == first ? 0 : buckets.count - 1][Int(key & 0xFFFF)] += 1
        }
        let x = Double(value)
        deviations += abs(x - pivot)
        finite[kept] = x  // kept ≤ chunk.count ≤ finite.count
        kept += 1
      }
      parameters?.accumulate(UnsafeBufferPointer(rebasing: finite[0..<kept]), into: &terms, derivatives: false)
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
