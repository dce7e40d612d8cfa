import CKernels
import Formats
import Foundation
import Parallel
import TensorIO

extension Quantizer {
  /// `measure(_:formats:settings:isCancelled:)` with, in the same pass, the importance-weighted
  /// SQNR (`QuantizationMetrics.importanceSQNRDB`): each piece is rounded into a scratch buffer
  /// and its error weighted by its column's importance. Every other metric equals the unweighted
  /// run's bit for bit; runs without importance never come here.
  public static func measure(
    _ tensor: Tensor, formats: [QuantFormat], settings: QuantizationSettings = QuantizationSettings(),
    importance: ImportanceWeights, isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> [QuantizationMetrics] {
    let (plans, clips) = try preparedPlans(tensor, formats: formats, settings: settings, isCancelled: isCancelled)
    let results = try KernelPlan.runWeighted(plans, clips: clips, importance: importance, isCancelled: isCancelled)
    return zip(results, plans).map { result, plan in
      var metrics = result.totals.metrics(plan: plan)
      metrics.importanceSQNRDB = result.weighted.sqnrDB
      return metrics
    }
  }

  /// `measure(_:spec:fittedNu:settings:isCancelled:)` with the importance-weighted SQNR.
  public static func measure(
    _ tensor: Tensor, spec: FormatSpec, fittedNu: Double? = nil,
    settings: QuantizationSettings = QuantizationSettings(), importance: ImportanceWeights,
    isCancelled: @Sendable () -> Bool = { false }
  ) throws -> QuantizationMetrics {
    let format = try resolve(spec, for: tensor, fittedNu: fittedNu, settings: settings, isCancelled: isCancelled)
    return try measure(tensor, formats: [format], settings: settings, importance: importance, isCancelled: isCancelled)[
      0]
  }
}

/// Σ a_j x² and Σ a_j (x − x̂)² over the finite elements read.
struct WeightedSums: Sendable {
  var signal: Double = 0
  var error: Double = 0

  /// +∞ when the weighted error is zero (as `sqnrDB`).
  var sqnrDB: Double { error > 0 ? 10 * log10(signal / error) : .infinity }
}

extension KernelPlan {
  /// `runTogether` with the weighted sums: each piece is rounded by every plan into a scratch
  /// buffer, then compared with the piece's inputs (decoded to Float32 unless they already are).
  static func runWeighted(
    _ plans: [KernelPlan], clips: [Float], importance: ImportanceWeights, isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> [(totals: KernelTotals, weighted: WeightedSums)] {
    guard let source = plans.first?.source else { return [] }
    let tensor = source.tensor
    let rowLength = source.rowLength
    precondition(importance.rowLength == rowLength, "importance weights for another row length")
    let parts = try source.map(isCancelled: isCancelled) { layout, firstElement in
      let count = Int(layout.rows * layout.row_length)
      let rounded = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
      var decoded: UnsafeMutableBufferPointer<Float>?
      defer {
        rounded.deallocate()
        decoded?.deallocate()
      }
      let original: UnsafePointer<Float>
      if layout.dtype == Int32(TK_F32.rawValue), let start = layout.source {
        // F32 rows (in place, or already decoded by RowSource): exactly this piece's elements.
        original = start.assumingMemoryBound(to: Float.self)
      } else {
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        tensor.decode(firstElement..<(firstElement + count), into: buffer)
        decoded = buffer
        original = UnsafePointer(buffer.baseAddress!)
      }
      let firstRow = firstElement / rowLength
      let rows = Int(layout.rows)
      return zip(plans, clips).map { plan, clip in
        var planLayout = layout
        plan.configure(&planLayout)
        let totals = plan.totals(layout: &planLayout, firstRow: firstRow, clip: clip, output: rounded.baseAddress)
        var sums = WeightedSums()
        importance.values.withUnsafeBufferPointer { weights in
          // The piece's rows, split where the expert (and so the weight vector) changes.
          var row = 0
          while row < rows {
            let expert = (firstRow + row) / importance.rowsPerExpert
            let end = min(rows, (expert + 1) * importance.rowsPerExpert - firstRow)
            let offset = row * rowLength
            // In bounds: rows row..<end of the piece, and the expert's weights (expert < values / rowLength,
            // since the tensor has rowsPerExpert · experts rows).
            tk_weighted_error(
              original + offset, rounded.baseAddress! + offset, weights.baseAddress! + expert * rowLength,
              Int64(end - row), Int64(rowLength), &sums.signal, &sums.error)
            row = end
          }
        }
        return (totals, sums)
      }
    }
    return plans.indices.map { index in
      let totals = KernelTotals(merging: parts.map { $0[index].0 }, clip: clips[index])
      var sums = WeightedSums()
      for part in parts {
        sums.signal += part[index].1.signal
        sums.error += part[index].1.error
      }
      return (totals, sums)
    }
  }
}
