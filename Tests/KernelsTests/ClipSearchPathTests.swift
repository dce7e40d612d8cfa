import CKernels
import Formats
import Foundation
import Testing

@testable import Kernels

/// The `--scale mse` clip search (`tk_clip_search_codebook`) gives every clip ratio the same
/// squared error on every kernel path, bit for bit: the vector paths round in x space where the
/// rows kernel does (amax in [2^-40, 2^60]) and divide elsewhere, the portable path always
/// divides. Its errors also match a direct float64 sum of the definition (codes of fl(x / s)).
/// Serialized: the path is process-wide.
@Suite(.serialized)
struct ClipSearchPathTests {
  /// Rows of 300 (groups of 32, 128 and 50 leave tails of 12, 44 and 0; 300 % 8 = 4 leaves a
  /// scalar tail) with a NaN group and an all-zero group; the same rows scaled by 2^-70 and
  /// 2^70, out of float-square range (each its own tensor: their errors would swamp the others').
  private static func tensors(rows: Int, columns: Int) -> [(name: String, values: [Float])] {
    var values = TensorFixtures.tValues(count: rows * columns, seed: 21)
    values[columns + 7] = .nan
    for index in 2 * columns..<2 * columns + 64 { values[index] = 0 }
    return [("t", values), ("tiny", values.map { $0 * 0x1p-70 }), ("huge", values.map { $0 * 0x1p70 })]
  }

  private static func searchErrors(
    _ values: [Float], columns: Int, group: Int, codebook: PreparedCodebook, ratios: [Float]
  ) -> [Double] {
    var errors = [Double](repeating: 0, count: ratios.count)
    values.withUnsafeBytes { bytes in
      var layout = tk_layout(
        source: bytes.baseAddress, dtype: Int32(TK_F32.rawValue), rows: Int64(values.count / columns),
        row_length: Int64(columns), group: Int64(group), fixed_amax: -1, fixed_min: 0, fixed_max: 0)
      codebook.withCodebook { prepared in
        tk_clip_search_codebook(&layout, prepared, ratios, Int32(ratios.count), &errors)
      }
    }
    return errors
  }

  /// Σ (x − v[code] · s)² over the finite elements, code = #{t < fl(x / s)}, in float64.
  private static func definitionErrors(
    _ values: [Float], columns: Int, group: Int, codebook: PreparedCodebook, ratios: [Float]
  ) -> [Double] {
    ratios.map { ratio in
      var total = 0.0
      for rowStart in stride(from: 0, to: values.count, by: columns) {
        for groupStart in stride(from: rowStart, to: rowStart + columns, by: group) {
          let members = values[groupStart..<min(groupStart + group, rowStart + columns)]
          let amax = members.filter(\.isFinite).map(abs).max() ?? 0
          let scale = (amax * ratio) / codebook.maxValue
          for x in members where x.isFinite {
            var rounded: Float = 0
            if scale > 0, scale < .infinity {
              let quotient = x / scale
              rounded = codebook.values[codebook.thresholds.filter { $0 < quotient }.count] * scale
            }
            let error = Double(x) - Double(rounded)
            total += error * error
          }
        }
      }
      return total
    }
  }

  @Test(arguments: ["nf4", "e2m1", "sf4", "int4", "e2m1+-8"])
  func everyPathGivesEveryRatioTheSameError(formatID: String) throws {
    let initial = KernelPath.active
    defer { try? KernelPath.select(initial) }
    guard case .codebook(let codebook) = try FormatSpec.parse(formatID).resolved() else {
      Issue.record("\(formatID) is not a codebook format")
      return
    }
    let prepared = PreparedCodebook(codebook)
    let columns = 300
    let ratios = ScaleMode.clipRatios
    for (name, values) in Self.tensors(rows: 4, columns: columns) {
      for group in [32, 128, 50] {
        let what = "\(formatID) \(name) group \(group)"
        try KernelPath.select(.portable)
        let reference = Self.searchErrors(values, columns: columns, group: group, codebook: prepared, ratios: ratios)
        let definition = Self.definitionErrors(
          values, columns: columns, group: group, codebook: prepared, ratios: ratios)
        for (index, error) in reference.enumerated() {
          #expect(abs(error - definition[index]) <= 1e-12 * definition[index], "\(what) ratio \(index)")
        }
        for path in KernelPath.supported where path != .portable {
          try KernelPath.select(path)
          let errors = Self.searchErrors(values, columns: columns, group: group, codebook: prepared, ratios: ratios)
          #expect(errors.map(\.bitPattern) == reference.map(\.bitPattern), "\(what) on \(path.rawValue)")
        }
      }
    }
    // Elements on and beside each threshold at the first ratio's scale (1: the group's amax
    // leads it), where rounding in x space and dividing part if either is off by a float.
    let beside = TensorFixtures.besideThresholds(prepared, amaxes: [1, 0.02, 7, 0x1p-30])
    try KernelPath.select(.portable)
    let reference = Self.searchErrors(beside, columns: 128, group: 128, codebook: prepared, ratios: ratios)
    for path in KernelPath.supported where path != .portable {
      try KernelPath.select(path)
      let errors = Self.searchErrors(beside, columns: 128, group: 128, codebook: prepared, ratios: ratios)
      #expect(errors[0].bitPattern == reference[0].bitPattern, "\(formatID) beside thresholds on \(path.rawValue)")
    }
  }
}
