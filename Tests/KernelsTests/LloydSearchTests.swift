import Distributions
import Formats
import TensorIO
import Testing

@testable import Kernels

/// `lloyd`: the tensor's Lloyd codebook is a fixed point of Lloyd's conditions and beats every
/// other codebook under the same group scaling.
struct LloydSearchTests {
  static func heavyTailed(rows: Int, columns: Int) -> Tensor {
    var generator = SplitMix64(seed: 7)
    let values = (0..<(rows * columns)).map { _ in Float(generator.studentT(nu: 4) * 0.02) }
    return TensorFixtures.f32(values, shape: [rows, columns])
  }

  /// With one group for the tensor (equal weights), each level is the mean of the y = x / amax
  /// nearest to it, computed here directly from the elements.
  @Test func levelsAreTheCentroidsOfTheirCells() throws {
    let tensor = Self.heavyTailed(rows: 64, columns: 256)
    let settings = QuantizationSettings(group: .tensor)
    let resolved = try Quantizer.resolve(FormatSpec.parse("lloyd"), for: tensor, settings: settings)
    guard case .codebook(let codebook) = resolved else {
      Issue.record("lloyd is a codebook")
      return
    }
    #expect(codebook.values.count == 16 && codebook.fullScale == 1)
    let data = tensor.decodedValues()
    let amax = data.map { abs($0) }.max()!
    var sums = [Double](repeating: 0, count: 16)
    var counts = [Double](repeating: 0, count: 16)
    for value in data {
      let y = Double(value / amax)
      let nearest = codebook.values.indices.min { abs(codebook.values[$0] - y) < abs(codebook.values[$1] - y) }!
      sums[nearest] += y
      counts[nearest] += 1
    }
    for index in 0..<16 { #expect(abs(codebook.values[index] - sums[index] / counts[index]) < 1e-6) }
  }

  @Test(arguments: [GroupSize.tensor, .channel, .elements(64)])
  func lloydHasTheLeastMSE(group: GroupSize) throws {
    let tensor = Self.heavyTailed(rows: 32, columns: 512)
    let settings = QuantizationSettings(group: group)
    let lloyd = try Quantizer.measure(tensor, spec: FormatSpec.parse("lloyd"), settings: settings).mse
    for id in ["int4", "nf4", "sf4", "sf4@3", "e2m1", "e2m1-sr", "e2m1-sp", "apot4", "lloyd@normal", "e3m0"] {
      let other = try Quantizer.measure(tensor, spec: FormatSpec.parse(id), settings: settings).mse
      #expect(lloyd <= other, "\(id) at \(group)")
    }
  }

  @Test func constantTensorStillGetsACodebook() throws {
    let tensor = TensorFixtures.f32([Float](repeating: 0, count: 256), shape: [2, 128])
    let metrics = try Quantizer.measure(tensor, spec: FormatSpec.parse("lloyd"), settings: QuantizationSettings())
    #expect(metrics.mse == 0)
  }
}

/// `sf4@auto`: never worse than SF4 at the ν people compare with.
struct StudentFloatSearchTests {
  @Test(arguments: [GroupSize.elements(128), .tensor])
  func autoIsAtLeastAsGoodAsEveryGridNu(group: GroupSize) throws {
    let tensor = LloydSearchTests.heavyTailed(rows: 32, columns: 512)
    let settings = QuantizationSettings(group: group)
    let auto = try Quantizer.measure(tensor, spec: FormatSpec.parse("sf4@auto"), settings: settings)
    guard case .codebook(let chosen) = auto.format, let nu = chosen.nu else {
      Issue.record("sf4@auto is an SF4 codebook with its ν")
      return
    }
    #expect(chosen.id == "sf4@auto" && (1.5...1000).contains(nu))
    for candidate in [2.0, 3, 4, 5, 8, 30, 1000] {
      let other = try Quantizer.measure(tensor, spec: FormatSpec.parse("sf4@\(candidate)"), settings: settings)
      #expect(auto.mse <= other.mse, "ν=\(candidate)")
    }
    // A finer scan around the choice, within the search's range, finds nothing better than 0.1 %.
    for factor in stride(from: 0.8, through: 1.25, by: 0.05) where (1.5...1000).contains(nu * factor) {
      let other = try Quantizer.measure(tensor, spec: FormatSpec.parse("sf4@\(nu * factor)"), settings: settings)
      #expect(auto.mse <= other.mse * 1.001, "ν=\(nu * factor)")
    }
  }
}
