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

  /// A codebook whose scale underflows to 0 on a tiny group (amax 2^-39, still the vector path
  /// for the others) takes the scalar path there alone: the formats' shared x² sums part, and
  /// each must still equal its one-format run.
  @Test func formatsThatPartOnAGroupStillMatchOnePassEach() throws {
    let huge = QuantFormat.codebook(Codebook(id: "huge", name: "huge", bits: 2, values: [-1e38, 0, 1e38]))
    let formats = try [FormatSpec.parse("nf4").resolved(), huge, FormatSpec.parse("e2m1").resolved()]
    var values: [Float] = (0..<64_000).map { Float(sin(Double($0) * 0.37)) * 0.05 }
    for index in 4128..<4256 { values[index] *= 0x1p-35 }  // group 1 of row 4
    let tensor = TensorFixtures.f32(values, shape: [64, 1000])
    let settings = QuantizationSettings(group: .elements(128))
    let together = try Quantizer.measure(tensor, formats: formats, settings: settings)
    let alone = try formats.map { try Quantizer.measure(tensor, format: $0, settings: settings) }
    #expect(together == alone)
    #expect(together.map(\.sqnrDB.bitPattern) == alone.map(\.sqnrDB.bitPattern))
  }

  @Test func noFormatsGiveNoMetrics() throws {
    #expect(try Quantizer.measure(tensors()[0], formats: []).isEmpty)
  }
}
