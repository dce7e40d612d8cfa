/// The exact median and Σ|x − median| of a large tensor from `FirstPass` and `SecondPass`
/// histograms: the first finds the 16-bit buckets of the two middle ranks, the second the exact
/// keys inside them; per-bin sums give the sum of everything below the median without sorting.
struct MedianFromHistograms {
  let first: FirstPass

  /// Ranks (0-based, ascending) of the two middle elements; equal when the count is odd.
  var middleRanks: (Int, Int) { ((first.finiteCount - 1) / 2, first.finiteCount / 2) }

  /// The bucket holding `rank`, and how many elements lie in lower buckets.
  func bucket(ofRank rank: Int) -> (bucket: Int, before: Int) {
    var before = 0
    for bucket in 0..<OrderKey.bucketCount {
      let count = first.bucketCounts[bucket]
      if before + count > rank { return (bucket, before) }
      before += count
    }
    return (OrderKey.bucketCount - 1, before - first.bucketCounts[OrderKey.bucketCount - 1])
  }

  /// The buckets the second pass must resolve.
  var targetBuckets: [Int] {
    let (low, high) = middleRanks
    let a = bucket(ofRank: low).bucket
    let b = bucket(ofRank: high).bucket
    return a == b ? [a] : [a, b]
  }

  /// The value at `rank`, and the sum of all values of lower rank.
  private func resolve(rank: Int, second: SecondPass) -> (value: Double, sumBelow: Double) {
    let (bucket, before) = bucket(ofRank: rank)
    let slot = second.buckets.firstIndex(of: bucket) ?? 0
    var sumBelow = 0.0
    for lower in 0..<bucket { sumBelow += first.bucketSums[lower] }
    var inside = before
    for low in 0..<OrderKey.bucketCount {
      let count = second.lowCounts[slot][low]
      if inside + count > rank {
        let value = Double(OrderKey.value(of: UInt32(bucket) << 16 | UInt32(low)))
        return (value, sumBelow + Double(rank - inside) * value)
      }
      inside += count
      sumBelow += second.lowSums[slot][low]
    }
    return (.nan, .nan)
  }

  /// The median (mean of the two middle values) and the mean absolute deviation around it.
  func medianAndMeanAbsoluteDeviation(second: SecondPass) -> (median: Double, meanAbsoluteDeviation: Double) {
    let n = first.finiteCount
    let (lowRank, highRank) = middleRanks
    let lower = resolve(rank: lowRank, second: second)
    let upper = resolve(rank: highRank, second: second)
    let median = 0.5 * (lower.value + upper.value)
    // Σ|x − m| = (m·k − Σ lowest k) + (Σ the rest − m·(n − k)), with k = lowRank + 1.
    let lowestCount = lowRank + 1
    let lowestSum = lower.sumBelow + lower.value
    var total = 0.0
    for bucket in 0..<OrderKey.bucketCount { total += first.bucketSums[bucket] }
    let deviation =
      (median * Double(lowestCount) - lowestSum) + (total - lowestSum - median * Double(n - lowestCount))
    return (median, max(deviation, 0) / Double(n))
  }
}
