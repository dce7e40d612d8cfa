import CKernels
import Formats

/// A codebook in the form the C kernel rounds with: Float32 values and one threshold per
/// neighbouring pair, such that code(y) = #{thresholds < y}.
///
/// A midpoint m between two values is exact in Float64. A tie going to the lower value needs
/// y > m to move up, i.e. y > (largest Float ≤ m); a tie going up needs y ≥ m, i.e.
/// y > (largest Float < m). So every tie rule becomes one strict comparison against a Float.
struct PreparedCodebook: Sendable {
  let values: [Float]
  let thresholds: [Float]
  let maxValue: Float

  init(_ codebook: Codebook) {
    let values = codebook.values.map { Float($0) }
    var thresholds: [Float] = []
    for index in 0..<(values.count - 1) {
      let midpoint = (Double(values[index]) + Double(values[index + 1])) / 2
      let tieGoesUp = codebook.evenCodes.map { $0[index + 1] } ?? false
      var threshold = Float(midpoint)
      if tieGoesUp ? Double(threshold) >= midpoint : Double(threshold) > midpoint {
        threshold = threshold.nextDown
      }
      thresholds.append(threshold)
    }
    self.values = values
    self.thresholds = thresholds
    self.maxValue = values[values.count - 1]
  }

  /// Calls `body` with the C view of this codebook (valid only during the call).
  func withCodebook<T>(_ body: (UnsafePointer<tk_codebook>) -> T) -> T {
    values.withUnsafeBufferPointer { valuePointer in
      thresholds.withUnsafeBufferPointer { thresholdPointer in
        var codebook = tk_codebook(
          values: valuePointer.baseAddress, thresholds: thresholdPointer.baseAddress,
          count: Int32(values.count), max_value: maxValue)
        return withUnsafePointer(to: &codebook) { body($0) }
      }
    }
  }
}
