import Testing

@testable import Formats

/// The built-in codebooks against the values SPEC §3 and the format standards publish.
struct CatalogTests {
  private func values(_ id: String) throws -> [Double] {
    try FormatSpec.parse(id).resolved().values
  }

  @Test func codebooksKnowTheirSupernormalValueNuAndFullScale() throws {
    func codebook(_ id: String) throws -> Codebook {
      guard case .codebook(let codebook) = try FormatSpec.parse(id).resolved() else {
        throw FormatError.unknownID(id)
      }
      return codebook
    }
    // (id, supernormal value, ν, what amax maps onto): the largest value, except a negative
    // supernormal value beyond the range (SPEC §4's max(codebook) could never reach it).
    let cases: [(String, Double?, Double?, Double)] = [
      ("e2m1", nil, nil, 6), ("e2m1-sr", 8, nil, 8), ("e2m1+-8", -8, nil, 8), ("e2m1+-5", -5, nil, 6),
      ("apot4-sp", 0.5, nil, 1), ("int4", nil, nil, 7), ("sf4", nil, 5, 1), ("sf4@2.7", nil, 2.7, 1),
      ("e3m0+-32", -32, nil, 32),
    ]
    for (id, value, nu, fullScale) in cases {
      let book = try codebook(id)
      #expect(book.supernormalValue == value && book.nu == nu && book.fullScale == fullScale, "\(id)")
    }
  }

  @Test func nf4RecipeReproducesThePublishedTableBitForBit() {
    let derived = QuantileCodebook.normalFloat(bits: 4).map { Float($0) }
    #expect(derived == FormatCatalog.nf4Values.map { Float($0) })
  }

  @Test func sf4AtHugeNuApproachesNF4() {
    let sf4 = QuantileCodebook.studentFloat(bits: 4, nu: 1e6)
    for (student, normal) in zip(sf4, FormatCatalog.nf4Values) {
      #expect(abs(student - normal) < 1e-5)
    }
  }

  @Test func sf4IsHeavierTailedThanNF4AtSmallNu() throws {
    // With heavier tails the inner values shrink relative to the largest one.
    let sf4 = try values("sf4@2.7")
    #expect(sf4.count == 16 && sf4.first == -1 && sf4.last == 1 && sf4[7] == 0)
    #expect(sf4[8] < FormatCatalog.nf4Values[8])
  }

  @Test func paperTableValues() throws {
    #expect(try values("e2m1") == [-6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4, 6])
    #expect(try values("e2m1-b") == [-12, -8, -6, -4, -3, -2, -0.0625, 0, 0.0625, 2, 3, 4, 6, 8, 12])
    #expect(try values("e3m0") == [-16, -8, -4, -2, -1, -0.5, -0.25, 0, 0.25, 0.5, 1, 2, 4, 8, 16])
    #expect(try values("int4") == (-8...7).map(Double.init))
    #expect(try values("e2m1-sr") == values("e2m1+8"))
    #expect(try values("e2m1-sp") == values("e2m1+5"))
    #expect(try values("apot4-sp") == values("apot4+0.5"))
    #expect(try FormatSpec.parse("e2m1-sr").resolved().name == "E2M1-SR")
  }

  @Test func fp8MatchesTheOCPLimits() throws {
    let e4m3 = try values("fp8-e4m3")
    #expect(e4m3.count == 253 && e4m3.last == 448 && e4m3[127] == 0x1p-9)
    let e5m2 = try values("fp8-e5m2")
    #expect(e5m2.last == 57344 && e5m2[e5m2.count / 2 + 1] == 0x1p-16)
  }

  @Test func threeBitFormatsHaveEightValues() throws {
    #expect(try values("nf3").count == 8)
    #expect(try values("sf3").count == 8)
    #expect(try FormatSpec.parse("sf3").resolved().bits == 3)
  }
}
