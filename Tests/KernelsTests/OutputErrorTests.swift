import Formats
import Foundation
import Parallel
import TensorIO
import Testing

@testable import Kernels

/// The output error from OpenBLAS equals a direct Float64 loop over X·Wᵀ and X·Ŵᵀ.
struct OutputErrorTests {
  @Test func outputErrorEqualsADirectProduct() throws {
    let rows = 37
    let columns = 96
    let tokens = 11
    let weights: [Float] = (0..<(rows * columns)).map { Float(sin(Double($0) * 0.71)) * 0.05 }
    let x: [Float] = (0..<(tokens * columns)).map { Float(cos(Double($0) * 0.13)) * Float(1 + $0 % 5) }
    let tensor = TensorFixtures.f32(weights, shape: [rows, columns])
    let settings = QuantizationSettings(group: .elements(32))
    let formats = try ["nf4", "e2m1", "int4-asym"].map { try FormatSpec.parse($0).resolved() }
    let results = try Quantizer.outputErrors(
      tensor, formats: formats, settings: settings, samples: ActivationSample(values: x, columns: columns))
    for (format, result) in zip(formats, results) {
      let rounded = try Quantizer.dequantize(tensor, format: format, settings: settings)
      var signal = 0.0
      var error = 0.0
      for token in 0..<tokens {
        for row in 0..<rows {
          var y = 0.0
          var yHat = 0.0
          for column in 0..<columns {
            y += Double(x[token * columns + column]) * Double(weights[row * columns + column])
            yHat += Double(x[token * columns + column]) * Double(rounded[row * columns + column])
          }
          signal += y * y
          error += (y - yHat) * (y - yHat)
        }
      }
      #expect(abs(result.relativeError / (error / signal).squareRoot() - 1) < 1e-5, "\(format.name)")
      #expect(abs(result.sqnrDB - 10 * log10(signal / error)) < 1e-4, "\(format.name)")
    }
  }

  /// Products large enough for OpenBLAS to split over its threads stay right when its threads
  /// were stopped before and after each one (OpenBLAS starts them again for the next call), also
  /// when several threads make them at once (each stop waits for the other calls).
  @Test func productsStayRightAcrossStoppedBLASThreads() {
    let rows = 256
    let columns = 192
    let tokens = 128
    let matrix: [Float] = (0..<(rows * columns)).map { Float(sin(Double($0) * 0.37)) }
    let x: [Float] = (0..<(tokens * columns)).map { Float(cos(Double($0) * 0.11)) }
    var expected = 0.0
    for token in 0..<tokens {
      for row in 0..<rows {
        var y = 0.0
        for column in 0..<columns { y += Double(x[token * columns + column]) * Double(matrix[row * columns + column]) }
        expected += y * y
      }
    }
    let samples = ActivationSample(values: x, columns: columns)
    for _ in 0..<3 {
      BLASThreads.stopSpinning()
      #expect(abs(Quantizer.product(samples, matrix, rows: rows) / expected - 1) < 1e-5)
    }
    let products = ResultSlots<Double>(count: 8)
    WorkerPool.run(count: 8, threads: 4) { index in
      products.store(Quantizer.product(samples, matrix, rows: rows), at: index)
    }
    let all = products.results() ?? []
    #expect(all.count == 8 && all.allSatisfy { abs($0 / expected - 1) < 1e-5 })
  }
}
