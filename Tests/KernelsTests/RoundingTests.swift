import Formats
import Foundation
import TensorIO
import Testing

@testable import Kernels

/// SPEC §4 semantics on hand-made tensors whose results follow from the rules alone.
struct RoundingTests {
  private func format(_ id: String) throws -> QuantFormat { try FormatSpec.parse(id).resolved() }

  private func rounded(_ values: [Float], _ id: String, group: GroupSize = .standard) throws -> [Float] {
    try Quantizer.dequantize(
      TensorFixtures.f32(values), format: format(id), settings: QuantizationSettings(group: group))
  }

  @Test func exactMidpointsGoToTheLowerValue() throws {
    // amax 6 → scale 1. 16 elements so the vector path runs; the tail runs the scalar path.
    let input: [Float] = [6, 0.25, -0.25, 2.5, -2.5, 5, -5, 1.25, 0.75, 3.5, -3.5, 1.75, 0, 4, -6, 0.5, 0.25, 2.5]
    let expected: [Float] = [6, 0, -0.5, 2, -3, 4, -6, 1, 0.5, 3, -4, 1.5, 0, 4, -6, 0.5, 0, 2]
    #expect(try rounded(input, "e2m1", group: .tensor) == expected)
  }

  @Test func tiesUseThePapersFloat32Midpoints() throws {
    // The paper's quantize_4bit compares y with Float32((v[i] + v[i+1]) / 2) taken in Float64 from
    // the published decimals, y <= threshold keeping the lower value. APoT4's −0.6/−0.4 give
    // −0.5 exactly, so y = −0.5 goes to −0.6 (the exact midpoint of Float(−0.6) and Float(−0.4)
    // lies just above −0.5, which sent it to −0.4 before). Likewise 0.5 lies between 0.4 and 0.6.
    // amax 1 → scale 1; 16 elements so the vector path runs, the tail runs the scalar path.
    let input: [Float] = [1, -0.5, 0.5, -0.15, 0.15, -0.9, 0.9, 0.05, -0.05, 0, 0.7, -0.7, 0.35, -0.35, 0.25, -0.25]
    let lower: [Float] = [1, -0.6, 0.4, -0.2, 0.1, -1, 0.8, 0, -0.1, 0, 0.6, -0.8, 0.3, -0.4, 0.2, -0.3]
    for count in [16, 18] {
      let values = Array((input + input).prefix(count))
      let expected = Array((lower + lower).prefix(count))
      #expect(try rounded(values, "apot4", group: .tensor) == expected)
    }
  }

  @Test func thresholdsAreTheRoundedFloat64Midpoints() throws {
    // Float32 of the Float64 midpoint, per pair: the rule for every codebook without ties to even.
    for id in ["nf4", "sf4", "sf4@2.7", "apot4-sp", "e2m1+2.5", "nf3", "sf3"] {
      guard case .codebook(let codebook) = try format(id) else {
        Issue.record("\(id) is not a codebook")
        continue
      }
      let expected = zip(codebook.values, codebook.values.dropFirst()).map { Float(($0 + $1) / 2) }
      #expect(PreparedCodebook(codebook).thresholds == expected, "\(id)")
    }
  }

  @Test func aNegativeExtremeValueIsReachable() throws {
    // e2m1+-8: amax maps onto |−8| = 8, so a group whose amax is negative lands on −8 and the
    // positive side keeps E2M1's 6 as its top. amax 8 → scale 1.
    let input: [Float] = [-8, 6, 7.5, -7.5, -6.5, 5, 0.25, 1]
    let expected: [Float] = [-8, 6, 6, -8, -6, 4, 0, 1]
    #expect(try rounded(input, "e2m1+-8", group: .tensor) == expected)
    // The same for a positive group maximum: 8 → scale 1 as well; 8 itself saturates to 6.
    #expect(try rounded([8, -7, 1], "e2m1+-8", group: .tensor) == [6, -8, 1])
  }

  @Test func integerFormatsRoundHalfToEven() throws {
    // amax 7 → scale 1.
    let input: [Float] = [7, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 6.5, -7, 0.4, 4.6, 1, 2, 3, 5]
    let expected: [Float] = [7, 0, 2, 2, 0, -2, -2, 4, 6, -7, 0, 5, 1, 2, 3, 5]
    #expect(try rounded(input, "int4", group: .tensor) == expected)
  }

  @Test func oneElementGroupsAreExact() throws {
    // Powers of two keep scale = |x|/16 exact, so every element lands exactly on ±16.
    let input: [Float] = [0.25, -2, 0x1p-10, 0, 8, -0x1p-7, 4, 16, 1, 2]
    let metrics = try Quantizer.measure(
      TensorFixtures.f32(input), format: format("e3m0"), settings: QuantizationSettings(group: .elements(1)))
    #expect(metrics.mse == 0 && metrics.maxAbsError == 0)
    #expect(metrics.codeUsage == [2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7])
  }

  @Test func rowsShorterThanTheGroupAreOneGroup() throws {
    let values: [Float] = (0..<15).map { Float($0 % 7) - 3.1 }
    let tensor = TensorFixtures.f32(values, shape: [3, 5])
    let long = try Quantizer.measure(
      tensor, format: format("nf4"), settings: QuantizationSettings(group: .elements(128)))
    let channel = try Quantizer.measure(tensor, format: format("nf4"), settings: QuantizationSettings(group: .channel))
    #expect(long.mse == channel.mse && long.codeUsage == channel.codeUsage)
  }

  @Test func tailGroupsAreScaledOnTheirOwn() throws {
    // Row of 10, group 8: the tail's amax 0.125 gives scale 2^-7, so 0.0625 → 8 and 0.125 → 16
    // exactly; under the first group's scale 1, 0.0625 would round to 0.
    let values: [Float] = [16, 1, 2, 4, 8, 16, 0.5, 0.25, 0.0625, 0.125]
    #expect(try rounded(values, "e3m0", group: .elements(8)) == values)
  }

  @Test func allZeroGroupsDequantizeToZeros() throws {
    let metrics = try Quantizer.measure(TensorFixtures.f32([Float](repeating: 0, count: 40)), format: format("e2m1"))
    #expect(metrics.mse == 0 && metrics.codeUsage[7] == 40 && metrics.finiteCount == 40)
    #expect(try rounded([Float](repeating: 0, count: 20), "nf4") == [Float](repeating: 0, count: 20))
  }

  @Test func nonFiniteValuesAreCountedAndExcluded() throws {
    let clean: [Float] = [1, 2, -3, 0.5, 6, 4, -1, 2, 3, 0.25]
    var dirty = clean
    dirty.insert(.nan, at: 3)
    dirty.insert(.infinity, at: 7)
    dirty.append(-.infinity)
    let settings = QuantizationSettings(group: .channel)
    let expected = try Quantizer.measure(TensorFixtures.f32(clean), format: format("e2m1"), settings: settings)
    let measured = try Quantizer.measure(TensorFixtures.f32(dirty), format: format("e2m1"), settings: settings)
    #expect(measured.nonFiniteCount == 3 && measured.finiteCount == clean.count)
    #expect(measured.mse == expected.mse && measured.codeUsage == expected.codeUsage)
    #expect(measured.sqnrDB.isFinite && measured.maxAbsError == expected.maxAbsError)
  }

  @Test func subnormalInputsStayFinite() throws {
    let tiny = (1...24).map { Float.leastNonzeroMagnitude * Float($0) * ($0 % 2 == 0 ? 1 : -1) }
    let metrics = try Quantizer.measure(TensorFixtures.f32(tiny), format: format("nf4"))
    #expect(metrics.mse.isFinite && metrics.maxAbsError <= Double(Float.leastNonzeroMagnitude) * 24)
    #expect(metrics.finiteCount == 24)
  }

  @Test func valuesNearTheLargestFloatDoNotOverflow() throws {
    let big = Float.greatestFiniteMagnitude
    let values: [Float] = [big, -big / 2, big / 4, -big, 0, big / 8, big / 16, -big / 32]
    let metrics = try Quantizer.measure(TensorFixtures.f32(values), format: format("e3m0"))
    // scale = big/16 exactly: the values land on 16, −8, 4, −16, 0, 2, 1, −0.5 with no overflow.
    #expect(metrics.mse == 0 && metrics.sqnrDB == .infinity && metrics.relativeL2 == 0)
  }

  @Test func bf16InputMatchesTheSameValuesInF32() throws {
    let values: [Float] = (0..<300).map { (index: Int) -> Float in
      Float(bitPattern: Float(sin(Double(index)) * 0.05).bitPattern & 0xFFFF_0000)
    }
    let settings = QuantizationSettings(group: .elements(32))
    let f32 = try Quantizer.measure(
      TensorFixtures.f32(values, shape: [10, 30]), format: format("nf4"), settings: settings)
    let bf16 = try Quantizer.measure(
      TensorFixtures.bf16(values, shape: [10, 30]), format: format("nf4"), settings: settings)
    #expect(f32.mse == bf16.mse && f32.codeUsage == bf16.codeUsage)
  }

  @Test(arguments: [GroupSize.channel, .tensor, .elements(4100)])
  func longBF16GroupsStreamLikeF32(group: GroupSize) throws {
    // Rows of 5000 elements: longer than the kernel's 4096-float decoding tile.
    let values: [Float] = (0..<10_000).map { (index: Int) -> Float in
      Float(bitPattern: Float(cos(Double(index) * 0.01) * 0.03).bitPattern & 0xFFFF_0000)
    }
    let settings = QuantizationSettings(group: group)
    let f32 = try Quantizer.measure(
      TensorFixtures.f32(values, shape: [2, 5000]), format: format("sf4"), settings: settings)
    let bf16 = try Quantizer.measure(
      TensorFixtures.bf16(values, shape: [2, 5000]), format: format("sf4"), settings: settings)
    // Sums may be added in another order (per tile instead of per row): equal to rounding.
    #expect(abs(f32.mse - bf16.mse) <= 1e-12 * f32.mse)
    #expect(f32.codeUsage == bf16.codeUsage)
    #expect(f32.maxAbsError == bf16.maxAbsError)
  }

  @Test func mseScalingNeverLosesToAbsmax() throws {
    let values: [Float] = (0..<512).map { (index: Int) -> Float in
      Float(tan(Double(index % 97) / 97 * 3 - 1.5) * 0.01)
    }
    let tensor = TensorFixtures.f32(values, shape: [4, 128])
    let absmax = try Quantizer.measure(tensor, format: format("e2m1"))
    let mse = try Quantizer.measure(tensor, format: format("e2m1"), settings: QuantizationSettings(scale: .mse))
    #expect(mse.mse <= absmax.mse && mse.scaleMode == .mse)
    #expect(ScaleMode.clipRatios.count == 40 && ScaleMode.clipRatios.last == Float(0.805))
  }
}
