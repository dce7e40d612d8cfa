import Formats
import Foundation
import TensorIO
import Testing

@testable import Kernels

/// The MX family and the NVFP4 variants on blocks whose results follow from the rules by hand.
struct BlockFormatKernelTests {
  private func rounded(_ values: [Float], _ id: String) throws -> [Float] {
    try Quantizer.dequantize(TensorFixtures.f32(values), format: FormatSpec.parse(id).resolved())
  }

  private func block(_ head: [Float], count: Int = 32) -> [Float] {
    head + [Float](repeating: 0, count: count - head.count)
  }

  @Test func mxfp4ScaleRulesOnAnAmaxOfSeven() throws {
    let input = block([7, 1.25, -0.3])
    // floor: 2^(floor(log2 7) − 2) = 1; 7 saturates at 6, 1.25 ties to 1, −0.3 goes to −0.5.
    #expect(try rounded(input, "mxfp4:floor") == block([6, 1, -0.5]))
    // rceil: 2^ceil(log2(7/6)) = 2; 3.5 ties to even 4 (×2 = 8), 0.625 → 0.5, −0.15 → 0.
    #expect(try rounded(input, "mxfp4:rceil") == block([8, 1, 0]))
    // even: 7 = 1.11b·2^2 rounds to 2^3 at E2M1's one mantissa bit, so 2^(3 − 2) = 2, as rceil.
    #expect(try rounded(input, "mxfp4:even") == block([8, 1, 0]))
    // MXINT8: 2^floor(log2 7) = 4; 7/4 = 112/64 exact, 1.25/4 = 20/64 exact, −0.3/4·64 = −4.8 → −5.
    #expect(try rounded(input, "mxint8") == block([7, 1.25, -0.3125]))
  }

  @Test func mxfp8E4M3SaturatesUnderFloorAndNotUnderEvenOrRceil() throws {
    let input = block([15.5, 1])
    // floor: 2^(3 − 8); 15.5·32 = 496 saturates at 448 → 14. even: 15.5 = 1.1111b·2^3 rounds to
    // 2^4 at three mantissa bits → 2^(4 − 8); 248 ties between 240 and 256 → 256 → 16. rceil: 2^−4 too.
    #expect(try rounded(input, "mxfp8-e4m3") == block([14, 1]))
    #expect(try rounded(input, "mxfp8-e4m3:even") == block([16, 1]))
    #expect(try rounded(input, "mxfp8-e4m3:rceil") == block([16, 1]))
  }

  @Test func aZeroBlockStaysZeroAndTailBlocksAreShorter() throws {
    let input: [Float] = [Float](repeating: 0, count: 32) + [3, -0.75, 0.1]
    for id in ["mxfp6-e2m3:rceil", "mxfp8-e5m2:even", "mxint8"] {
      let output = try rounded(input, id)
      #expect(output.prefix(32).allSatisfy { $0 == 0 }, "\(id)")
      #expect(output[32] == 3, "\(id)")
    }
  }

  @Test func fourOverSixKeepsTheScaleWithTheSmallerError() throws {
    // One block, tensor amax 6: onto 6 the 5 ties to 4 (error 1); onto 4 (E4M3 scale 1.5 × 256)
    // x̂ = 1.5·{4, 3} = {6, 4.5} (error 0.25), so 4/6 keeps the 4. Plain NVFP4 keeps 4.
    let input = block([6, 5], count: 16)
    #expect(try rounded(input, "nvfp4-46") == block([6, 4.5], count: 16))
    #expect(try rounded(input, "nvfp4") == block([6, 4], count: 16))
  }

  @Test func nvint4RoundsOntoSevenLevels() throws {
    // Tensor and block amax 7: the E4M3 block scale is 448 and x̂ = q·448·7/3136 = q.
    #expect(try rounded(block([7, 2.4, -1.6, 0.3], count: 16), "nvint4") == block([7, 2, -2, 0], count: 16))
  }

  @Test func if4PicksInt4OrE2M1PerBlock() throws {
    // Block 1: 24/7 is INT4's 4·6/7 exactly but between E2M1's 3 and 4: INT4 wins. Block 2: 1.5
    // and 0.5 are E2M1 values, INT4 misses them: E2M1 wins and is exact.
    let first = block([6, 24.0 / 7], count: 16)
    let second = block([6, 1.5, 0.5], count: 16)
    let output = try rounded(first + second, "if4")
    for (got, want) in zip(output, first + second) { #expect(abs(got - want) < 1e-5) }
    #expect(Array(output[16...]) == second)
    let fp4Only = try rounded(first + second, "nvfp4")
    #expect(fp4Only[1] == 3)
  }

  @Test func theGenericMXKernelWithFloorIsTheMXFP4Kernel() throws {
    let values: [Float] = (0..<60_000).map { (index: Int) -> Float in
      Float(tan(Double(index % 977) / 977 * 3 - 1.5) * 0.01 * (1 + Double(index % 13)))
    }
    let tensor = TensorFixtures.f32(values, shape: [60, 1000])
    let generic = QuantFormat.mx(MXFormat(element: .fp4E2M1, rule: .floor))
    #expect(try Quantizer.dequantize(tensor, format: generic) == Quantizer.dequantize(tensor, format: .mxfp4))
    let a = try Quantizer.measure(tensor, format: generic)
    let b = try Quantizer.measure(tensor, format: .mxfp4)
    #expect(a.codeUsage == b.codeUsage && a.mse.bitPattern == b.mse.bitPattern)
  }

  @Test func nonFiniteElementsAreKeptAndLeftOutOfScalesAndCounts() throws {
    let input = block([7, .infinity, .nan, 1.25, -0.3])
    #expect(
      Array(try rounded(input, "mxfp4:rceil").enumerated().filter { $0.offset != 2 }.map(\.element)) == [
        8, .infinity, 1, 0,
      ] + [Float](repeating: 0, count: 27))
    for id in ["mxfp8-e4m3:even", "mxint8", "nvfp4-46", "nvint4", "if4"] {
      let format = try FormatSpec.parse(id).resolved()
      let output = try Quantizer.dequantize(TensorFixtures.f32(input), format: format)
      #expect(output[1] == .infinity && output[2].isNaN && output[0] == 7, "\(id)")
      let metrics = try Quantizer.measure(TensorFixtures.f32(input), format: format)
      #expect(metrics.nonFiniteCount == 2 && metrics.codeUsage.reduce(0, +) == 30, "\(id)")
    }
  }
}
