import Formats
import Foundation
import TensorIO
import Testing

@testable import Kernels

/// The importance-weighted SQNR: the weighted run leaves every other metric as the plain run's
/// (bit for bit), equals a direct Float64 sum over `dequantize`'s x̂, and gives each expert's
/// rows their own weights.
struct ImportanceTests {
  private let ids = ["nf4", "e2m1", "int4-asym", "mxfp4"]

  @Test(arguments: [
    QuantizationSettings(group: .elements(64)), QuantizationSettings(group: .elements(32), scale: .mse),
    QuantizationSettings(group: .channel, rows: .sample(maxElements: 20_000)),
  ])
  func weightedRunMatchesADirectSum(settings: QuantizationSettings) throws {
    let rows = 300
    let columns = 512
    let values: [Float] = (0..<(rows * columns)).map { Float(sin(Double($0) * 0.37) * (1 + Double($0 % 7))) * 0.01 }
    let experts = 3
    let weights: [Float] = (0..<(experts * columns)).map { Float(1 + ($0 * 7919) % 101) / 10 }
    let importance = ImportanceWeights(values: weights, rowLength: columns, rowsPerExpert: rows / experts)
    let formats = try ids.map { try FormatSpec.parse($0).resolved() }
    for tensor in [
      TensorFixtures.f32(values, shape: [experts, rows / experts, columns]),
      TensorFixtures.bf16(values.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }, shape: [rows, columns]),
    ] {
      let plain = try Quantizer.measure(tensor, formats: formats, settings: settings)
      let weighted = try Quantizer.measure(tensor, formats: formats, settings: settings, importance: importance)
      let x = tensor.decodedValues()
      let readRows =
        RowSource.sampledRows(rowCount: rows, rowLength: columns, maxElements: settings.rows.maxElements ?? .max)
        ?? Array(0..<rows)
      for (index, format) in formats.enumerated() {
        var withoutWeight = weighted[index]
        withoutWeight.importanceSQNRDB = nil
        #expect(withoutWeight == plain[index])
        let xHat = try Quantizer.dequantize(tensor, format: format, settings: settings)
        var signal = 0.0
        var error = 0.0
        for row in readRows {
          for column in 0..<columns {
            let a = Double(weights[(row / (rows / experts)) * columns + column])
            let element = row * columns + column
            signal += a * Double(x[element]) * Double(x[element])
            error += a * (Double(x[element]) - Double(xHat[element])) * (Double(x[element]) - Double(xHat[element]))
          }
        }
        let expected = 10 * log10(signal / error)
        let got = try #require(weighted[index].importanceSQNRDB)
        #expect(abs(got - expected) < 1e-9, "\(format.name): \(got) vs \(expected)")
      }
    }
  }
}

extension RowSelection {
  fileprivate var maxElements: Int? {
    if case .sample(let maxElements) = self { return maxElements }
    return nil
  }
}
