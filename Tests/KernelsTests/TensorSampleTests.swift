import Formats
import Foundation
import TensorIO
import Testing

@testable import Kernels

/// What the explorer asks of the kernel module besides metrics: range, row sample, the x̂ and
/// error histograms, the median group scale.
struct TensorSampleTests {
  private let values = (0..<(64 * 256)).map { (index: Int) -> Float in Float(sin(Double(index) * 0.37) * 0.1) }
  private var tensor: Tensor { TensorFixtures.f32(values, shape: [64, 256]) }

  @Test func rangeCountsFiniteElementsAndSkipsTheRest() throws {
    var odd = values
    odd[3] = .nan
    odd[700] = .infinity
    let range = try ValueRange.scan(TensorFixtures.f32(odd, shape: [64, 256]))
    let finite = odd.filter(\.isFinite)
    #expect(range.finiteCount == finite.count)
    #expect(range.minimum == Double(finite.min()!) && range.maximum == Double(finite.max()!))
    let none = try ValueRange.scan(TensorFixtures.f32([.nan, .nan], shape: [2]))
    #expect(none.finiteCount == 0 && none.amax == 0)
  }

  @Test func theRowSampleHoldsTheRowsASampledRunReads() throws {
    let sample = RowSample.tensor(of: tensor, maxElements: 2048)
    #expect(sample.info.shape == [8, 256])
    // Row i of the sample is row floor(i · 64/8) of the tensor.
    let sampled = sample.decodedValues()
    for row in 0..<8 {
      #expect(Array(sampled[(row * 256)..<((row + 1) * 256)]) == Array(values[(row * 8 * 256)..<((row * 8 + 1) * 256)]))
    }
    let nf4 = try FormatSpec.parse("nf4").resolved()
    let direct = try Quantizer.measure(
      tensor, format: nf4, settings: QuantizationSettings(rows: .sample(maxElements: 2048)))
    let onSample = try Quantizer.measure(sample, format: nf4)
    #expect(direct.codeUsage == onSample.codeUsage)
    #expect(abs(direct.mse - onSample.mse) <= 1e-12 * direct.mse)
    // A tensor that fits is copied whole.
    #expect(RowSample.tensor(of: tensor, maxElements: 1 << 20).decodedValues() == values)
  }

  @Test func theOnePassHistogramsMatchTheSeparateOnes() throws {
    let e2m1 = try FormatSpec.parse("e2m1").resolved()
    let settings = QuantizationSettings(scale: .mse)
    let both = try Histogram.quantized(
      of: tensor, format: e2m1, settings: settings, dequantizedRange: -0.1...0.1, dequantizedBins: 64,
      errorRange: -0.02...0.02, errorBins: 32)
    let dequantized = try Histogram.quantized(
      .dequantized, of: tensor, format: e2m1, settings: settings, range: -0.1...0.1, bins: 64)
    let error = try Histogram.quantized(
      .error, of: tensor, format: e2m1, settings: settings, range: -0.02...0.02, bins: 32)
    #expect(both.dequantized == dequantized)
    #expect(both.error == error)
    #expect(both.error.total == values.count)
  }

  @Test func rebinningKeepsTheCountsInsideTheWindow() {
    let histogram = Histogram(lower: -1, upper: 1, counts: [1, 2, 3, 4])
    #expect(histogram.rebinned(lower: -1, upper: 1, bins: 2).counts == [3, 7])
    // The window [-0.5, 0.5) holds the centres of bins 1 and 2 (-0.25, 0.25).
    #expect(histogram.rebinned(lower: -0.5, upper: 0.5, bins: 2).counts == [2, 3])
  }

  @Test func medianGroupAmaxIsTheMiddleGroupsLargestMagnitude() {
    // Rows of 8: groups of 4 hold maxima 1, 2, …, 8 (one per group), so the median of 8 groups is 5.
    let data = (0..<32).map { (index: Int) -> Float in
      let magnitude = Float(index / 4 + 1)
      return index % 2 == 0 ? magnitude : -magnitude
    }
    let small = TensorFixtures.f32(data, shape: [4, 8])
    #expect(GroupScale.medianAmax(of: small, group: .elements(4)) == 5)
    #expect(GroupScale.medianAmax(of: small, group: .channel) == 6)
    #expect(GroupScale.medianAmax(of: small, group: .tensor) == 8)
  }

  @Test func groupAndScaleCycleAsTheExplorersKeys() {
    var group = GroupSize.tensor
    var seen: [String] = []
    for _ in 0..<6 {
      seen.append(group.description)
      group = group.next
    }
    #expect(seen == ["tensor", "channel", "32", "64", "128", "256"] && group == .tensor)
    #expect(ScaleMode.absmax.toggled == .mse && ScaleMode.mse.toggled == .absmax)
  }
}
