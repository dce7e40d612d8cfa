import Kernels
import TensorIO

extension TensorRows {
  /// One row per format (see `metricRows`), with the optional metrics the run measures: the
  /// importance-weighted SQNR with an imatrix (null, with a reason, for a tensor it does not cover).
  /// Throws `TensorFileError` when the imatrix's entry for the tensor has another row length.
  public func rows(for tensor: Tensor) throws -> [ReportRow] {
    guard let importance else { return try metricRows(for: tensor, weights: nil) }
    let weights = tensor.info.dtype.isAnalysable ? try importance.weights(for: tensor.info) : nil
    return try metricRows(for: tensor, weights: weights).map { row in
      var row = row
      row.extras.insert(.importance)
      guard row.mse != nil, row.imatrixSQNRDB == nil else { return row }
      let reason: String
      if let weights {
        // All-zero weights: an expert no calibration token reached (count 0).
        if weights.values.allSatisfy({ $0 == 0 }) {
          reason = "the imatrix weighs every column 0 (no calibration token reached it)"
        } else if row.sqnrDB == nil {
          return row  // no error at all: the row's reason says so
        } else {
          reason = "no error on the columns the imatrix weighs"
        }
      } else {
        reason = "not in the imatrix"
      }
      row.reason = [row.reason, reason].compactMap { $0 }.joined(separator: "; ")
      return row
    }
  }
}
