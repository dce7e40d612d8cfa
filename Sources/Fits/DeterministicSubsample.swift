import Distributions
import TensorIO

/// A fixed pseudo-random subsample of a tensor's finite elements: short runs of consecutive
/// elements starting at hashed positions spread evenly over the tensor, so every row and column
/// region is represented and the same tensor always gives the same sample.
enum DeterministicSubsample {
  static let runLength = 8

  /// About `limit` finite values (fewer when the runs hold non-finite elements).
  static func draw(from tensor: Tensor, limit: Int) -> [Double] {
    let count = tensor.count
    let runs = max(1, limit / runLength)
    let stride = count / runs
    precondition(stride >= runLength, "subsample only tensors much larger than the limit")
    var sample: [Double] = []
    sample.reserveCapacity(runs * runLength)
    var buffer = [Float](repeating: 0, count: runLength)
    for run in 0..<runs {
      // Each run starts somewhere inside its own stride-long slot: slots never overlap.
      let start = run * stride + Int(hash(run) % UInt64(stride - runLength + 1))
      buffer.withUnsafeMutableBufferPointer { tensor.decode(start..<(start + runLength), into: $0) }
      for value in buffer where value.isFinite { sample.append(Double(value)) }
    }
    return sample
  }

  /// A fixed, well-mixed hash of the run index: SplitMix64's first output for that seed.
  static func hash(_ run: Int) -> UInt64 {
    var generator = SplitMix64(seed: UInt64(run))
    return generator.next()
  }
}
