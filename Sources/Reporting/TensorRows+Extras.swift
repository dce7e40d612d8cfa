import Formats
import Kernels
import TensorIO

extension TensorRows {
  /// One row per format (see `metricRows`), with the optional metrics the run measures: the
  /// importance-weighted SQNR with an imatrix, the output error with activation samples (null,
  /// with a reason, for a tensor they do not cover). Throws `TensorFileError` when the imatrix's
  /// entry or the samples for the tensor have another row length.
  public func rows(for tensor: Tensor) throws -> [ReportRow] {
    let analysable = tensor.info.dtype.isAnalysable
    let weights = analysable ? try importance?.weights(for: tensor.info) : nil
    var rows = try metricRows(for: tensor, weights: weights)
    if importance != nil { rows = rows.map { withImportance($0, weights: weights) } }
    if let activations {
      let samples = analysable && tensor.info.shape.count == 2 ? try activations.samples(for: tensor.info) : nil
      rows = try withOutputError(rows, tensor: tensor, weights: weights, samples: samples)
    }
    return rows
  }

  private func withImportance(_ row: ReportRow, weights: ImportanceWeights?) -> ReportRow {
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

  /// The rows with `output_rel_err` and `output_sqnr_db`: each measured row's format, resolved
  /// as the row ran it, on the samples (one decode of W and one X·Wᵀ for all of them).
  private func withOutputError(
    _ rows: [ReportRow], tensor: Tensor, weights: ImportanceWeights?, samples: ActivationSample?
  ) throws -> [ReportRow] {
    var rows = rows.map { row in
      var row = row
      row.extras.insert(.output)
      return row
    }
    let measured = rows.indices.filter { rows[$0].mse != nil }
    guard !measured.isEmpty else { return rows }
    guard let samples else {
      let reason = tensor.info.shape.count == 2 ? "no activation samples" : "output error needs a 2-D weight"
      for index in measured {
        rows[index].reason = [rows[index].reason, reason].compactMap { $0 }.joined(separator: "; ")
      }
      return rows
    }
    let specs = Dictionary(formats.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    let formats = try measured.map { index in
      // sf4@fit ran with the fitted ν the row names; ID+auto's search is deterministic.
      try Quantizer.resolve(
        specs[rows[index].format]!, for: tensor, fittedNu: rows[index].formatNu, settings: settings,
        importance: imatrixEntry(weights))
    }
    let errors = try Quantizer.outputErrors(tensor, formats: formats, settings: settings, samples: samples)
    for (index, error) in zip(measured, errors) {
      rows[index].outputRelativeError = error.relativeError
      rows[index].outputSQNRDB = error.sqnrDB
      if !error.sqnrDB.isFinite {
        rows[index].reason = [rows[index].reason, "the output does not move"].compactMap { $0 }.joined(
          separator: "; ")
      }
    }
    return rows
  }
}
