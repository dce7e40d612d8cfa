import Formats
import Foundation
import TensorIO
import Testing

@testable import Kernels

/// `Quantizer.measure(_:formats:)`, one pass for many formats, gives each format's one-format
/// result bit for bit.
struct MultiFormatTests {
  private let ids = ["nf4", "sf4", "e2m1", "e2m1-sp", "int4", "int8", "mxfp4", "nvfp4", "int4-asym", "apot4"]

  private func tensors() -> [Tensor] {
    // Rows of 1000 (several pieces of rows, group tails), values spread over many magnitudes; a
    // NaN, an Inf and an all-zero group send groups to the scalar path.
    var values: [Float] = (0..<600_000).map { (index: Int) -> Float in
      Float(tan(Double(index % 977) / 977 * 3 - 1.5) * 0.01 * (1 + Double(index % 13)))
    }
    values[1234] = .nan
    values[500_000] = -.infinity
    for index in 2000..<2128 { values[index] = 0 }
    let halves = values.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) }
    return [TensorFixtures.f32(values, shape: [600, 1000]), TensorFixtures.bf16(halves, shape: [600, 1000])]
  }

  @Test(arguments: [
    QuantizationSettings(group: .elements(128)), QuantizationSettings(group: .tensor),
    QuantizationSettings(group: .elements(64), scale: .mse),
    QuantizationSettings(group: .channel, rows: .sample(maxElements: 50_000)),
  ])
  func onePassEqualsOnePassPerFormat(settings: QuantizationSettings) throws {
    let formats = try ids.map { try FormatSpec.parse($0).resolved() }
    for tensor in tensors() {
      let together = try Quantizer.measure(tensor, formats: formats, settings: settings)
      let alone = try formats.map { try Quantizer.measure(tensor, format: $0, settings: settings) }
      #expect(together == alone)
      #expect(together.map(\.mse.bitPattern) == alone.map(\.mse.bitPattern))
    }
  }

  @Test func noFormatsGiveNoMetrics() throws {
    #expect(try Quantizer.measure(tensors()[0], formats: []).isEmpty)
  }
}
