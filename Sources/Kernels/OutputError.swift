import COpenBLAS
import Formats
import Foundation
import Parallel
import TensorIO

/// How much a layer's output moves when its weights are rounded, on activation samples X
/// ([tokens, in]): Y = X·Wᵀ against Ŷ = X·Ŵᵀ.
public struct OutputError: Sendable, Hashable {
  /// ‖Y − Ŷ‖_F / ‖Y‖_F.
  public let relativeError: Double
  /// 10·log10(‖Y‖² / ‖Y − Ŷ‖²); +∞ when the output does not move.
  public let sqnrDB: Double
}

extension Quantizer {
  /// The output error of each format on `tensor` (a 2-D weight [out, in]) for the samples X.
  /// Y − Ŷ is computed as X·(W − Ŵ)ᵀ, one product per format, so the error does not drown in
  /// Float32 cancellation; Y = X·Wᵀ once. Both products are OpenBLAS `sgemm` (its own threads);
  /// the sums of squares are Float64. Ŵ is every row's (`dequantize`), whatever `settings.rows` says.
  public static func outputErrors(
    _ tensor: Tensor, formats: [QuantFormat], settings: QuantizationSettings = QuantizationSettings(),
    samples: ActivationSample, isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> [OutputError] {
    let columns = tensor.info.rowLength
    precondition(samples.columns == columns, "activation samples for another row length")
    let rows = tensor.count / max(columns, 1)
    let weights = tensor.decodedValues()
    let signal = product(samples, weights, rows: rows)
    var results: [OutputError] = []
    for format in formats {
      if isCancelled() { throw Cancelled() }
      var difference = try dequantize(tensor, format: format, settings: settings, isCancelled: isCancelled)
      for index in difference.indices { difference[index] = weights[index] - difference[index] }
      let error = product(samples, difference, rows: rows)
      results.append(
        OutputError(
          relativeError: signal > 0 ? (error / signal).squareRoot() : (error > 0 ? .infinity : 0),
          sqnrDB: error > 0 ? 10 * log10(signal / error) : .infinity))
    }
    return results
  }

  /// ‖X·Mᵀ‖²_F for X [tokens, columns] and M [rows, columns] (row-major), by `cblas_sgemm`.
  static func product(_ samples: ActivationSample, _ matrix: [Float], rows: Int) -> Double {
    let tokens = samples.tokens
    let columns = samples.columns
    guard tokens > 0, rows > 0 else { return 0 }
    var output = [Float](repeating: 0, count: tokens * rows)
    // Then OpenBLAS's threads are stopped: they would spin on the cores the next kernel pass needs.
    BLASThreads.call {
      samples.values.withUnsafeBufferPointer { x in
        matrix.withUnsafeBufferPointer { m in
          output.withUnsafeMutableBufferPointer { y in
            // Y [tokens, rows] = X [tokens, columns] · Mᵀ; every buffer holds exactly its matrix.
            cblas_sgemm(
              CblasRowMajor, CblasNoTrans, CblasTrans, Int32(tokens), Int32(rows), Int32(columns), 1,
              x.baseAddress, Int32(columns), m.baseAddress, Int32(columns), 0, y.baseAddress, Int32(rows))
          }
        }
      }
    }
    var sum = 0.0
    for value in output { sum += Double(value) * Double(value) }
    return sum
  }
}
