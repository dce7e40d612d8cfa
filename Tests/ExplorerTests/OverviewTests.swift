import Fits
import Formats
import Foundation
import Kernels
import TensorIO
import Testing

@testable import Explorer

/// The model overview fills in the background: every analysable tensor × selected format gets
/// the value the kernel's single-format path gives (the path `quant` and the numpy cross-checks
/// test), estimates first on large tensors; Enter on a tensor opens it.
struct OverviewTests {
  /// A model with tensors larger than the overview's sample, so estimates come first.
  static func model() -> Model {
    Model(
      path: "memory.safetensors",
      tensors: [
        TestModels.tensor(
          "model.layers.0.self_attn.q_proj.weight", TestModels.heavyTailed(rows: 640, columns: 128, seed: 11),
          shape: [640, 128]),
        TestModels.tensor(
          "model.layers.0.mlp.down_proj.weight", TestModels.heavyTailed(rows: 64, columns: 128, seed: 12),
          shape: [64, 128]),
        TestModels.int64Tensor("position_ids", count: 16),
      ], metadata: [:])
  }

  @Test func cellsEqualTheSingleFormatKernelOnEveryTensor() throws {
    let model = Self.model()
    let session = Session(model: model, modelName: "memory")
    session.send(.start)
    session.settle()
    session.send(.key(.character("v")))
    #expect(session.state.page == .overview && session.state.overviewRequest != nil)
    session.settle()
    let state = session.state
    #expect(state.overviewRequest == nil)
    let progress = state.overviewProgress
    #expect(progress.cells == 2 * state.selectedFormats.count && progress.missing == 0 && progress.estimated == 0)
    for entry in state.tensors where entry.unanalysableReason == nil {
      let tensor = model.tensor(at: entry.index)
      let nu = try TensorFits.sampledFit(tensor).t?.nu
      for choice in state.selectedFormats {
        let spec = state.spec(choice)
        let expected = try Quantizer.measure(
          tensor, spec: spec, fittedNu: spec.needsFittedNu ? nu : nil, settings: state.settings)
        let cell = try #require(state.overview[state.overviewKey(entry.index, choice)])
        #expect(cell.sqnrDB == expected.sqnrDB, "\(entry.name) \(spec.id)")
      }
    }
  }

  @Test func estimatesComeFirstAndEnterOpensATensor() throws {
    let session = Session(model: Self.model(), modelName: "memory")
    session.send(.start)
    session.settle()
    session.send(.key(.character("v")))
    // Results arrive one tensor at a time: the first is the large tensor's estimate.
    var sawEstimate = false
    while session.state.overviewRequest != nil {
      session.absorbNextResults(until: Date().addingTimeInterval(60))
      if session.state.overview.values.contains(where: \.isEstimate) { sawEstimate = true }
    }
    #expect(sawEstimate)
    // Rows: model, attn q, mlp down; expand attn q and open its tensor.
    for key in [Key.down, .enter, .down, .enter] { session.send(.key(key)) }
    #expect(session.state.page == .tensor)
    #expect(session.state.focusedTensor == 0)
    session.settle()
    // Changing the group while the overview is open measures again at the new group.
    session.send(.key(.character("v")))
    session.send(.key(.character("g")))
    session.settle()
    #expect(session.state.overviewProgress.missing == 0 && session.state.overviewProgress.estimated == 0)
    session.send(.key(.escape))
    #expect(session.state.page == .tensor)
  }

  @Test func layerTypesGroupTheRowsAndUnanalysableTensorsStayOut() {
    let session = Session(model: Self.model(), modelName: "memory")
    var state = session.state
    state.page = .overview
    #expect(
      OverviewRows.rows(state) == [
        .model, .layerType(.attentionQuery, tensors: 1, isExpanded: false),
        .layerType(.mlpDown, tensors: 1, isExpanded: false),
      ])
    state.overviewView.expanded = [.mlpDown]
    #expect(OverviewRows.rows(state).last == .tensor(index: 1))
  }
}
