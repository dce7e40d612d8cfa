import Distributions
import Testing

@testable import Formats

/// Parsing format ids: the errors SPEC §3 asks for, and the per-tensor specs.
struct FormatSpecTests {
  @Test func unknownIDIsTyped() {
    #expect(throws: FormatError.unknownID("foo")) { try FormatSpec.parse("foo") }
  }

  @Test func nonPositiveNuIsRejected() {
    #expect(throws: FormatError.invalidNu(id: "sf4@-1", text: "-1")) { try FormatSpec.parse("sf4@-1") }
    #expect(throws: FormatError.invalidNu(id: "sf4@0", text: "0")) { try FormatSpec.parse("sf4@0") }
  }

  /// Below ν ≈ 0.04 SF's inner levels tie, and building the codebook trapped (scripts/fuzz, a
  /// `--costs` row named `sf4@.0007`). The least ν a fit gives is accepted, at every width and for
  /// the per-tensor formats too.
  @Test func nuBelowTheFitsLeastIsRejected() throws {
    for id in ["sf4@.0007", "sf3@0.02", "sf4@0.0499"] {
      #expect(throws: FormatError.invalidNu(id: id, text: String(id.dropFirst(4)))) { try FormatSpec.parse(id) }
    }
    for id in ["sf4@0.05", "sf3@0.05", "sf4@1e300"] {
      let values = try FormatSpec.parse(id).resolved().values
      #expect(values.allSatisfy(\.isFinite) && zip(values, values.dropFirst()).allSatisfy { $0 < $1 }, "\(id)")
    }
    for id in ["sf4@fit", "sf3@fit", "lloyd@t"] {
      let values = try FormatSpec.parse(id).resolved(fittedNu: StudentT.leastNu).values
      #expect(values.allSatisfy(\.isFinite) && zip(values, values.dropFirst()).allSatisfy { $0 < $1 }, "\(id)")
    }
    #expect("\(FormatError.invalidNu(id: "sf4@0.01", text: "0.01"))".contains("at least 0.05"))
  }

  @Test func supernormalValueAlreadyPresentIsRejected() {
    #expect(throws: FormatError.valueAlreadyInCodebook(id: "e2m1+6", value: "6")) { try FormatSpec.parse("e2m1+6") }
  }

  @Test func asymmetricFormatsHaveNoSupernormalCode() {
    #expect(throws: FormatError.self) { try FormatSpec.parse("nf4+0.5") }
    #expect(throws: FormatError.self) { try FormatSpec.parse("int4+9") }
  }

  @Test func supernormalValuesMayExtendRangeOrPrecision() throws {
    let range = try FormatSpec.parse("e3m0+12").resolved()
    #expect(range.values.count == 16 && range.values.last == 16 && range.values.contains(12))
    let negative = try FormatSpec.parse("e2m1+-8").resolved()
    #expect(negative.values.first == -8 && negative.values.last == 6)
  }

  @Test func fitAndAutoResolvePerTensor() throws {
    let fit = try FormatSpec.parse("sf4@fit")
    #expect(throws: FormatError.needsFittedNu(id: "sf4@fit")) { try fit.resolved() }
    #expect(try fit.resolved(fittedNu: 2.7).values == FormatSpec.parse("sf4@2.7").resolved().values)
    let auto = try FormatSpec.parse("e2m1+auto")
    guard case .supernormalAuto(let base) = auto.kind else {
      Issue.record("e2m1+auto should search per tensor")
      return
    }
    #expect(base.id == "e2m1")
  }

  @Test func numbersWithExponentsStillParse() throws {
    #expect(try FormatSpec.parse("sf4@1e+3").resolved().values.count == 16)
  }
}
