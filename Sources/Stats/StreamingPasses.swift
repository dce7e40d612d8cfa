import TensorIO

/// The first pass over a large tensor: counts, moments around `center`, a histogram of the top
/// 16 bits of each value's order key (with the sum of the values in each bucket, for the exact
/// median and mean absolute deviation), and Student's t terms with derivatives at `parameters`.
struct FirstPass: Sendable {
  var finiteCount = 0
  var shiftedSum = 0.0
  var shiftedSquares = 0.0
  var bucketCounts = [Int](repeating: 0, count: OrderKey.bucketCount)
  var bucketSums = [Double](repeating: 0, count: OrderKey.bucketCount)
  var terms = StudentTTerms()

  mutating func add(_ chunk: UnsafeBufferPointer<Float>, center: Double, parameters: StudentTParameters) {
    var lane = 0
    for value in chunk where value.isFinite {
      let bucket = Int(OrderKey.of(value) >> 16)
      let x = Double(value)
      bucketCounts[bucket] += 1
      bucketSums[bucket] += x
      let d = x - center
      shiftedSum += d
      shiftedSquares += d * d
      parameters.accumulate(x, lane: lane & 3, into: &terms, derivatives: true)
      lane &+= 1
    }
    finiteCount += lane
    terms.count += lane
  }

  mutating func merge(_ other: FirstPass) {
    finiteCount += other.finiteCount
    shiftedSum += other.shiftedSum
    shiftedSquares += other.shiftedSquares
    for bucket in 0..<OrderKey.bucketCount {
      bucketCounts[bucket] += other.bucketCounts[bucket]
      bucketSums[bucket] += other.bucketSums[bucket]
    }
    terms.add(other.terms)
  }
}

/// The second pass: the low 16 bits of the keys inside the (at most two) buckets that hold the
/// median ranks, and Student's t log terms at the polished parameters.
struct SecondPass: Sendable {
  let buckets: [Int]
  var lowCounts: [[Int]]
  var lowSums: [[Double]]
  var terms = StudentTTerms()

  init(buckets: [Int]) {
    self.buckets = buckets
    lowCounts = buckets.map { _ in [Int](repeating: 0, count: OrderKey.bucketCount) }
    lowSums = buckets.map { _ in [Double](repeating: 0, count: OrderKey.bucketCount) }
  }

  mutating func add(_ chunk: UnsafeBufferPointer<Float>, parameters: StudentTParameters?) {
    var lane = 0
    for value in chunk where value.isFinite {
      let key = OrderKey.of(value)
      let bucket = Int(key >> 16)
      for (slot, target) in buckets.enumerated() where target == bucket {
        lowCounts[slot][Int(key & 0xFFFF)] += 1
        lowSums[slot][Int(key & 0xFFFF)] += Double(value)
      }
      parameters?.accumulate(Double(value), lane: lane & 3, into: &terms, derivatives: false)
      lane &+= 1
    }
    terms.count += lane
  }

  mutating func merge(_ other: SecondPass) {
    for slot in buckets.indices {
      for low in 0..<OrderKey.bucketCount {
        lowCounts[slot][low] += other.lowCounts[slot][low]
        lowSums[slot][low] += other.lowSums[slot][low]
      }
    }
    terms.add(other.terms)
  }
}
