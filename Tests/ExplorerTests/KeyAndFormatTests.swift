import Formats
import Kernels
import TensorIO
import Testing

@testable import Explorer

struct KeySequenceTests {
  @Test func parsesCharactersAndNamedKeys() throws {
    #expect(
      try Key.sequence("jjf<enter><up><esc> x")
        == [.character("j"), .character("j"), .character("f"), .enter, .up, .escape, .space, .character("x")])
    #expect(try Key.sequence("<space><tab><left><right><down>") == [.space, .tab, .left, .right, .down])
  }

  @Test func aLoneAngleBracketIsACharacter() throws {
    #expect(try Key.sequence("<") == [.character("<")])
    #expect(try Key.sequence("a<>") == [.character("a"), .character("<"), .character(">")])
  }

  @Test func anUnknownNamedKeyIsAnError() {
    #expect(throws: KeySequenceError.self) { try Key.sequence("j<jump>") }
  }
}

struct SettingsTests {
  @Test func groupCyclesAsTheSpecSays() {
    var group = GroupSize.tensor
    var seen: [String] = []
    for _ in 0..<6 {
      seen.append(group.description)
      group = group.next
    }
    #expect(seen == ["tensor", "channel", "32", "64", "128", "256"])
    #expect(group == .tensor)
  }

  /// SPEC §3 names e2m1-sr (8), e2m1-sp (5), apot4-sp (0.5) and e3m0+12 as supernormal variants.
  @Test func supernormalVariantsFollowThePapersPlacement() throws {
    #expect(FormatChoice.supernormalID(base: "e2m1", variant: .superRange) == "e2m1-sr")
    #expect(FormatChoice.supernormalID(base: "e2m1", variant: .superPrecision) == "e2m1-sp")
    #expect(FormatChoice.supernormalID(base: "apot4", variant: .superPrecision) == "apot4-sp")
    // E3M0 positives 0.25 … 8, 16: the widest gap is 8 → 16, its middle 12; one step past 16 is 24.
    #expect(FormatChoice.supernormalID(base: "e3m0", variant: .superPrecision) == "e3m0+12")
    #expect(FormatChoice.supernormalID(base: "e3m0", variant: .superRange) == "e3m0+24")
    #expect(FormatChoice.supernormalID(base: "e2m1", variant: .none) == "e2m1")
    let e3m0 = try #require(FormatChoice.named("e3m0"))
    #expect(e3m0.spec(.superPrecision).id == "e3m0+12")
    #expect(e3m0.displayName(.superPrecision) == "E3M0-SP")
  }

  @Test func everyCatalogueFormatAndVariantIsKnownToTheKernel() throws {
    // lloyd and sf4@auto resolve on a tensor (the kernel searches them), the rest without one;
    // TYPE:imatrix with an importance matrix (here one without an entry for the tensor, or, for a
    // type ggml makes only with one, with an entry) and only so.
    let tensor = TestModels.tensor(
      "t", TestModels.heavyTailed(rows: 16, columns: 128, seed: 3), shape: [16, 128])
    let entry = ImportanceWeights(values: Array(repeating: 1, count: 128), rowLength: 128, rowsPerExpert: 16)
    for choice in FormatChoice.catalogue {
      for variant in choice.hasSupernormal ? Supernormal.allCases : [.none] {
        let spec = choice.spec(variant)
        #expect(spec.needsFittedNu == (choice.id == "sf4@fit"))
        let settings = QuantizationSettings()
        var onlyWithEntry = false
        if case .ggmlWithImportance(let type) = spec.kind { onlyWithEntry = type.requiresImportance }
        let resolved = try? Quantizer.resolve(
          spec, for: tensor, fittedNu: 4.5, settings: settings, importance: onlyWithEntry ? .weights(entry) : .missing)
        #expect(resolved != nil, "\(spec.id)")
        if onlyWithEntry {
          #expect(throws: FormatError.noImportanceEntry(id: spec.id)) {
            try Quantizer.resolve(spec, for: tensor, settings: settings, importance: .missing)
          }
        }
        let withoutMatrix = try? Quantizer.resolve(spec, for: tensor, fittedNu: 4.5, settings: settings)
        #expect((withoutMatrix == nil) == spec.quantizesWithImportance, "\(spec.id)")
      }
    }
  }
}

struct LayerTreeTests {
  @Test func groupsByNumberedBlock() {
    #expect(LayerTree.groupName(of: "encoder.layer.3.attention.self.query.weight") == "encoder.layer.3")
    #expect(LayerTree.groupName(of: "model.layers.12.mlp.up_proj.weight") == "model.layers.12")
    #expect(LayerTree.groupName(of: "embeddings.word_embeddings.weight") == "embeddings")
    #expect(LayerTree.groupName(of: "lm_head") == nil)
  }
}
