import CKernels
import Formats

/// A codebook in the form the C kernel rounds with: Float32 values and one threshold per
/// neighbouring pair, such that code(y) = #{thresholds < y}.
///
/// Ties follow the paper's round-to-nearest code (`quantize_4bit`): the midpoint
/// `(v[i] + v[i+1]) / 2` is taken in Float64 from the codebook's own (published decimal)
/// values and rounded to the nearest Float32, and y ≤ threshold keeps the lower value. Where the
/// midpoint is not a Float32 this differs from the exact midpoint of the Float32 values (APoT4's
/// −0.6/−0.4 give exactly −0.5, so y = −0.5 goes to −0.6). Codebooks with `evenCodes` (INT, FP8)
/// keep IEEE ties to even: their midpoints are exact in Float32, and a tie going up needs
/// y ≥ m, i.e. y > (largest Float < m). Either way one strict comparison per threshold.
struct PreparedCodebook: Sendable {
  let values: [Float]
  let thresholds: [Float]
  /// What a group's amax maps onto (`Codebook.fullScale`): the largest value, or the magnitude
  /// of a negative supernormal value beyond the range (`e2m1+-8`), so that value is reachable.
  let maxValue: Float

  init(_ codebook: Codebook) {
    self.values = codebook.values.map { Float($0) }
    self.thresholds = Self.thresholds(codebook)
    self.maxValue = Float(codebook.fullScale)
  }

  /// Float32 thresholds for `codebook`, one per neighbouring pair.
  static func thresholds(_ codebook: Codebook) -> [Float] {
    (0..<(codebook.values.count - 1)).map { index in
      let midpoint = (codebook.values[index] + codebook.values[index + 1]) / 2
      guard let even = codebook.evenCodes else { return Float(midpoint) }
      // Ties to even: a tie goes up when the upper neighbour's code is even.
      var threshold = Float(midpoint)
      if even[index + 1] ? Double(threshold) >= midpoint : Double(threshold) > midpoint {
        threshold = threshold.nextDown
      }
      return threshold
    }
  }

  /// Calls `body` with the C views of `codebooks`, in order (valid only during the call).
  static func withCodebooks<T>(
    _ codebooks: ArraySlice<PreparedCodebook>, views: [tk_codebook] = [], _ body: ([tk_codebook]) -> T
  ) -> T {
    guard let first = codebooks.first else { return body(views) }
    return first.withCodebook { view in withCodebooks(codebooks.dropFirst(), views: views + [view.pointee], body) }
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
