/// The exact median and mean absolute deviation of a large tensor from `FirstPass` and
/// `SecondPass`: the first finds the 16-bit buckets of the two middle ranks, the second counts the
/// exact keys inside them (each low-bits bin is one exact value) and sums |x − pivot| for a pivot
/// inside those buckets, which the median then corrects without another pass.
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

  /// The smallest value of the lowest target bucket: the second pass's pivot.
  var pivot: Double { Double(OrderKey.value(of: UInt32(targetBuckets[0]) << 16)) }

  /// The value at `rank` (which lies in one of the second pass's buckets).
  private func value(atRank rank: Int, second: SecondPass) -> Double {
    let (bucket, before) = bucket(ofRank: rank)
    let slot = second.buckets.firstIndex(of: bucket) ?? 0
    var inside = before
    for low in 0..<OrderKey.bucketCount {
      inside += second.lowCounts[slot][low]
      if inside > rank { return Double(OrderKey.value(of: UInt32(bucket) << 16 | UInt32(low))) }
    }
    return .nan
  }

  /// The median (mean of the two middle values) and the mean absolute deviation around it.
  ///
  /// With T the target buckets and p the pivot (both m and p lie in T's value range): for x below
  /// T, |x − m| = |x − p| + (m − p); above T, |x − m| = |x − p| − (m − p); inside T, the exact
  /// values are known from the bins.
  func medianAndMeanAbsoluteDeviation(second: SecondPass) -> (median: Double, meanAbsoluteDeviation: Double) {
    let (lowRank, highRank) = middleRanks
    let median = 0.5 * (value(atRank: lowRank, second: second) + value(atRank: highRank, second: second))
    let pivot = second.pivot
    var total = second.absoluteDeviations
    var inside = 0
    for (slot, bucket) in second.buckets.enumerated() {
      for low in 0..<OrderKey.bucketCount where second.lowCounts[slot][low] > 0 {
        let count = second.lowCounts[slot][low]
        let x = Double(OrderKey.value(of: UInt32(bucket) << 16 | UInt32(low)))
        total += Double(count) * (abs(x - median) - abs(x - pivot))
        inside += count
      }
    }
    let below = (0..<second.buckets[0]).reduce(0) { $0 + first.bucketCounts[$1] }
    let above = first.finiteCount - below - inside
    total += (median - pivot) * Double(below - above)
    return (median, max(total, 0) / Double(first.finiteCount))
  }
}
