import Formats
import Foundation
import TensorIO
import Testing

@testable import Kernels

/// The vector path's own cases: F16/BF16 decoded in registers, groups it hands to the scalar
/// path (non-finite values, tails, amax outside float-square range), and float block sums.
struct VectorPathTests {
  private func format(_ id: String) throws -> QuantFormat { try FormatSpec.parse(id).resolved() }

  /// Values every input type holds exactly: multiples of 2^-12 below 4 (11 significant bits).
  private func halfExactValues(count: Int) -> [Float] {
    (0..<count).map { (index: Int) -> Float in
      Float((Double(index * 37 % 211) - 105) / 4096)
    }
  }

  @Test(arguments: [GroupSize.elements(16), .channel, .tensor])
  func f16AndBF16InputsMatchF32(group: GroupSize) throws {
    // Rows of 50: three 16-element groups and a 2-element tail; a NaN and an Inf in two groups.
    var values = halfExactValues(count: 300)
    values[37] = .nan
    values[120] = -.infinity
    let settings = QuantizationSettings(group: group)
    let f32 = try Quantizer.measure(
      TensorFixtures.f32(values, shape: [6, 50]), format: format("nf4"), settings: settings)
    for tensor in [TensorFixtures.f16(values, shape: [6, 50]), TensorFixtures.bf16(values, shape: [6, 50])] {
      let other = try Quantizer.measure(tensor, format: format("nf4"), settings: settings)
      #expect(other.mse == f32.mse && other.maxAbsError == f32.maxAbsError)
      #expect(other.codeUsage == f32.codeUsage && other.nonFiniteCount == 2 && other.finiteCount == 298)
      let rounded = try Quantizer.dequantize(tensor, format: format("nf4"), settings: settings)
      let expected = try Quantizer.dequantize(
        TensorFixtures.f32(values, shape: [6, 50]), format: format("nf4"), settings: settings)
      #expect(rounded.map(\.bitPattern) == expected.map(\.bitPattern))
    }
  }

  @Test(arguments: [70, -70])
  func powerOfTwoScalingScalesTheErrorsExactly(exponent: Int) throws {
    // Scaling by 2^±70 leaves every code unchanged and scales every error by the same power of
    // two; there the amax lies outside [2^-40, 2^60], so these groups take the scalar path.
    let values = halfExactValues(count: 1024).map { $0 + 0.001 }
    let scale = Float(sign: .plus, exponent: exponent, significand: 1)
    let settings = QuantizationSettings(group: .elements(128))
    let plain = try Quantizer.measure(
      TensorFixtures.f32(values, shape: [8, 128]), format: format("nf4"), settings: settings)
    let scaled = try Quantizer.measure(
      TensorFixtures.f32(values.map { $0 * scale }, shape: [8, 128]), format: format("nf4"), settings: settings)
    let factor = pow(2.0, Double(exponent))
    #expect(scaled.codeUsage == plain.codeUsage)
    #expect(abs(scaled.mse / (plain.mse * factor * factor) - 1) < 1e-6)
    #expect(scaled.maxAbsError == plain.maxAbsError * factor)
    #expect(abs(scaled.sqnrDB - plain.sqnrDB) < 1e-6)
  }
}
