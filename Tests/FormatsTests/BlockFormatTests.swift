import Foundation
import Testing

@testable import Formats

/// The MX element grids against what their bit layouts imply, and the ids of the block formats.
struct BlockFormatTests {
  private func power(_ exponent: Int) -> Double { Double(sign: .plus, exponent: exponent, significand: 1) }

  @Test func elementGridsFollowFromTheirBitLayouts() {
    // (element, finite values with one zero, smallest positive value)
    let cases: [(MXElement, Int, Double)] = [
      // E4M3: 256 patterns − 2 NaNs − one duplicate zero; subnormal step 2^(−6−3).
      (.fp8E4M3, 253, power(-9)),
      // E5M2: 256 − 8 Inf/NaN − 1.
      (.fp8E5M2, 247, power(-16)),
      (.fp6E2M3, 63, 0.125), (.fp6E3M2, 63, 0.0625), (.fp4E2M1, 15, 0.5),
      // MXINT8: k/64 for k = −127…127.
      (.int8, 255, 1.0 / 64),
    ]
    for (element, count, smallest) in cases {
      let values = element.signedValues
      #expect(values.count == count, "\(element)")
      #expect(values.last == element.maxNormal && values.first == -element.maxNormal, "\(element)")
      #expect(values.first { $0 > 0 } == smallest, "\(element)")
      #expect(values == values.sorted() && values == values.reversed().map { -$0 }, "\(element)")
      // emax is the exponent of the largest power of two the element holds.
      #expect(power(element.emax) <= element.maxNormal && power(element.emax + 1) > element.maxNormal)
      #expect(values.contains(power(element.emax)), "\(element)")
    }
  }

  @Test func eachBinadeHoldsTwoToTheMantissaBitsEvenlySpacedValues() {
    for element in MXElement.allCases where element.exponentBits > 0 {
      let m = element.mantissaBits
      for exponent in element.minExponent..<element.emax {
        let binade = element.magnitudes.filter { $0 >= power(exponent) && $0 < power(exponent + 1) }
        let expected = (0..<(1 << m)).map { power(exponent) + Double($0) * power(exponent - m) }
        #expect(binade == expected, "\(element) 2^\(exponent)")
      }
      // Below the smallest normal: the subnormals, multiples of 2^(emin − m).
      let subnormals = element.magnitudes.filter { $0 < power(element.minExponent) }
      #expect(subnormals == (0..<(1 << m)).map { Double($0) * power(element.minExponent - m) })
    }
  }

  @Test func mxElementGridsAgreeWithTheFP8CodebooksAndE2M1() throws {
    #expect(MXElement.fp8E4M3.signedValues == FormatCatalog.fp8E4M3.values)
    #expect(MXElement.fp8E5M2.signedValues == FormatCatalog.fp8E5M2.values)
    #expect(MXElement.fp4E2M1.signedValues == E2M1.signedValues)
  }

  @Test func idsParseToTheirFormatsAndRules() throws {
    func format(_ id: String) throws -> QuantFormat { try FormatSpec.parse(id).resolved() }
    #expect(try format("mxfp4") == .mxfp4)
    #expect(try format("mxfp4:floor") == .mxfp4)
    #expect(try format("mxfp4:rceil") == .mx(MXFormat(element: .fp4E2M1, rule: .rceil)))
    #expect(try format("MXFP8-E4M3:Even") == .mx(MXFormat(element: .fp8E4M3, rule: .even)))
    #expect(try format("mxint8") == .mx(MXFormat(element: .int8)))
    #expect(try format("mxfp6-e3m2:rceil").id == "mxfp6-e3m2:rceil")
    #expect(try format("mxfp6-e3m2:floor").id == "mxfp6-e3m2")
    #expect(try format("nvfp4-46") == .nvfp4Variant(.fourOverSix))
    #expect(try format("if4").blockSize == 16 && format("mxfp8-e5m2").blockSize == 32)
    #expect(try format("mxfp8-e5m2").bits == 8 && format("mxfp6-e2m3").bits == 6 && format("nvint4").bits == 4)
    #expect(throws: FormatError.unknownScaleRule(id: "mxfp4:ceil", rule: "ceil")) { try format("mxfp4:ceil") }
    #expect(throws: FormatError.unknownID("nvfp4-46:rceil")) { try format("nvfp4-46:rceil") }
    #expect(throws: FormatError.noSupernormalCode(id: "if4+2", base: "IF4")) { try format("if4+2") }
  }

  @Test func if4CountsTheUnionOfE2M1AndScaledInt4() {
    let magnitudes = NVFP4Variant.intFloatMagnitudes
    #expect(magnitudes.count == 14)  // 8 + 8 − the shared 0 and 6
    for value in E2M1.magnitudes { #expect(magnitudes.contains(value)) }
    for k in 0...7 { #expect(magnitudes.contains { abs($0 - Double(k) * 6 / 7) < 1e-12 }, "\(k)") }
    #expect(NVFP4Variant.intFloat.values.count == 27 && NVFP4Variant.int4.values == (-7...7).map(Double.init))
  }

  @Test func theCatalogueListsEveryNewFormat() {
    let ids = Set(FormatCatalog.all.map(\.id))
    for id in ["mxfp8-e4m3", "mxfp8-e5m2", "mxfp6-e2m3", "mxfp6-e3m2", "mxfp4", "mxint8", "nvfp4-46", "nvint4", "if4"] {
      #expect(ids.contains(id), "\(id)")
      #expect(FormatChoice.named(id) != nil, "\(id)")
    }
  }
}
