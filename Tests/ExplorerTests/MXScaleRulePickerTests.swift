import Formats
import Kernels
import Testing

@testable import Explorer

/// The MX scale rules in the picker (issue 15): each MX format's `rceil` and `even` forms follow
/// it, and selecting one runs what `tscope quant --format ID:RULE` runs.
struct MXScaleRulePickerTests {
  @Test func theRuleFormsFollowTheirFloorFormInThePicker() throws {
    let ids = FormatChoice.catalogue.map(\.id)
    for base in ["mxfp4", "mxfp8-e4m3", "mxfp8-e5m2", "mxfp6-e2m3", "mxfp6-e3m2", "mxint8"] {
      let position = try #require(ids.firstIndex(of: base))
      #expect(Array(ids[(position + 1)...(position + 2)]) == ["\(base):rceil", "\(base):even"])
      #expect(FormatChoice.named(base)?.scaleRuleForm == nil)
      #expect(FormatChoice.named("\(base):rceil")?.scaleRuleForm == .rceil)
      #expect(FormatChoice.named("\(base):even")?.scaleRuleForm == .even)
    }
    #expect(FormatChoice.named("mxfp8-e4m3:rceil")?.name == "MXFP8 E4M3 rceil")
    // The number keys still toggle the paper's nine.
    #expect(Array(ids.prefix(9)) == ["int4", "nf4", "sf4", "sf4@fit", "e2m1", "e2m1-i", "e2m1-b", "apot4", "e3m0"])
  }

  @Test func selectingTheRceilFormGivesTheSQNRQuantGives() throws {
    let model = TestModels.small()
    let session = Session(model: model, modelName: "memory")
    session.send(.start)
    session.settle()
    let rceil = try #require(FormatChoice.named("mxfp4:rceil"))
    // Open the picker, walk to the rceil line, select it.
    session.send(.key(.character("f")))
    let target = try #require(FormatChoice.catalogue.firstIndex(of: rceil))
    while let cursor = session.state.pickerCursor, cursor != target {
      session.send(.key(cursor < target ? .down : .up))
    }
    session.send(.key(.space))
    session.send(.key(.enter))
    session.settle()
    let state = session.state
    #expect(state.selectedFormats.contains(rceil) && state.focusedFormat == rceil)
    let key = try #require(state.key(rceil))
    guard case .done(let result)? = state.results[key] else {
      Issue.record("no result for mxfp4:rceil")
      return
    }
    // `tscope quant --format mxfp4:rceil`: the spec resolved, then TensorRows' multi-format pass.
    let tensor = model.tensor(at: 0)
    let settings = QuantizationSettings()
    let spec = try FormatSpec.parse("mxfp4:rceil")
    let quant = try Quantizer.measure(
      tensor, formats: [Quantizer.resolve(spec, for: tensor, settings: settings)], settings: settings)[0]
    #expect(abs(result.metrics.sqnrDB - quant.sqnrDB) < 1e-9)
    #expect(result.metrics.codesUsed == quant.codesUsed)
    // And the rule matters on this tensor: floor gives another SQNR.
    let floor = try Quantizer.measure(
      tensor, formats: [Quantizer.resolve(FormatSpec.parse("mxfp4"), for: tensor, settings: settings)],
      settings: settings)[0]
    #expect(floor.sqnrDB != quant.sqnrDB)
  }
}
