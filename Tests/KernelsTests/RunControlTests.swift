import Formats
import Foundation
import Parallel
import TensorIO
import Testing

@testable import Kernels

/// Sampling, cancellation, histograms and the supernormal search.
struct RunControlTests {
  private let tensor = TensorFixtures.f32(
    (0..<(64 * 256)).map { (index: Int) -> Float in Float(sin(Double(index) * 0.37) * 0.1) }, shape: [64, 256])

  @Test func samplingReadsEvenlySpacedRows() throws {
    let nf4 = try FormatSpec.parse("nf4").resolved()
    let estimate = try Quantizer.measure(
      tensor, format: nf4, settings: QuantizationSettings(rows: .sample(maxElements: 2048)))
    #expect(estimate.isEstimate && estimate.count == 2048 && estimate.codeUsage.reduce(0, +) == 2048)
    let full = try Quantizer.measure(tensor, format: nf4)
    #expect(!full.isEstimate && full.count == 64 * 256)
  }

  @Test func unanalysedDTypesReadAsEmpty() throws {
    let storage = ByteStorage.owning([UInt8](repeating: 7, count: 64))
    let info = TensorInfo(name: "ids", dtype: .i64, shape: [8], file: "memory")
    let ids = Tensor(info: info, storage: storage, bytes: storage.bytes)
    let metrics = try Quantizer.measure(ids, format: FormatSpec.parse("nf4").resolved())
    #expect(metrics.finiteCount == 0 && metrics.count == 0 && metrics.codeUsage.allSatisfy { $0 == 0 })
  }

  @Test func cancellationStopsTheRun() throws {
    let nf4 = try FormatSpec.parse("nf4").resolved()
    #expect(throws: Cancelled.self) {
      try Quantizer.measure(tensor, format: nf4, isCancelled: { true })
    }
  }

  @Test func valueHistogramCountsEveryFiniteElement() throws {
    let histogram = try Histogram.values(of: tensor, range: -0.1...0.1, bins: 20)
    #expect(histogram.counts.reduce(0, +) == 64 * 256 && histogram.counts.count == 20)
    // sin is symmetric here: the outer bins hold the most mass.
    #expect(histogram.counts[0] > histogram.counts[10])
  }

  @Test func errorHistogramIsCentredOnZero() throws {
    let e2m1 = try FormatSpec.parse("e2m1").resolved()
    let histogram = try Histogram.quantized(
      .error, of: tensor, format: e2m1, settings: QuantizationSettings(), range: -0.01...0.01, bins: 2)
    #expect(histogram.counts.reduce(0, +) == 64 * 256)
    #expect(abs(histogram.counts[0] - histogram.counts[1]) < 64 * 256 / 4)
  }

  @Test func autoSupernormalIsNoWorseThanTheFixedVariants() throws {
    let spec = try FormatSpec.parse("e2m1+auto")
    let settings = QuantizationSettings()
    let auto = try Quantizer.measure(tensor, spec: spec, settings: settings)
    for fixed in ["e2m1-sr", "e2m1-sp", "e2m1"] {
      let other = try Quantizer.measure(tensor, format: FormatSpec.parse(fixed).resolved(), settings: settings)
      #expect(auto.mse <= other.mse * (1 + 1e-12), "e2m1+auto vs \(fixed)")
    }
    #expect(auto.format.name.hasPrefix("E2M1+auto="))
  }
}
