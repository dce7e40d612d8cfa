import Fits
import Formats
import Foundation
import Kernels
import TensorIO
import Testing

@testable import Explorer

/// Issue 11, one pass for many formats: the selected formats of the focused tensor run as one
/// multi-format pass per settings, and each format's exact result is the one-format kernel's.
struct QuantizationPassTests {
  /// 1,100 × 1,024 elements: more than the 2^20-element row sample, so the exact results need a
  /// pass over the whole tensor.
  private let model = Model(
    path: "memory.safetensors",
    tensors: [
      TestModels.tensor(
        "layers.0.a.weight", TestModels.heavyTailed(rows: 1100, columns: 1024, seed: 11), shape: [1100, 1024]),
      TestModels.tensor(
        "layers.0.b.weight", TestModels.heavyTailed(rows: 64, columns: 256, seed: 12), shape: [64, 256]),
    ], metadata: [:])

  private func started() -> State {
    let entries = model.tensors.enumerated().map { TensorEntry(index: $0.offset, info: $0.element) }
    return update(State(modelName: "memory", tensors: entries), .start).0
  }

  @Test func oneTensorWithSeveralSelectedFormatsIssuesOnePass() throws {
    var state = started()
    let loaded = try Analysis.load(model.tensor(at: 0), entry: state.tensors[0]) { false }
    let effects: [Effect]
    (state, effects) = update(state, .loaded(generation: 1, loaded))
    let waiting = state.selectedFormats.compactMap(state.key).filter { !$0.format.needsFittedNu }
    #expect(waiting.count >= 3)
    let passes = QuantizationPass.passes(for: effects)
    #expect(passes.count == 1)
    let pass = try #require(passes.first)
    #expect(Set(pass.members.map(\.key)) == Set(waiting))
    #expect(pass.tensor == LoadedTensorReference(loaded) && pass.generation == 1)
  }

  @Test func sf4AtTheFitJoinsThePassWhenTheFitIsIn() throws {
    var state = started()
    let loaded = try Analysis.load(model.tensor(at: 0), entry: state.tensors[0]) { false }
    let fit = try Analysis.fit(loaded) { false }
    // The fit was made before (another visit): it is in when the tensor loads.
    state.fits[loaded.fitName] = .fitted(fit)
    let effects: [Effect]
    (state, effects) = update(state, .loaded(generation: 1, loaded))
    let passes = QuantizationPass.passes(for: effects)
    #expect(passes.count == 1)
    let members = try #require(passes.first).members
    #expect(Set(members.map(\.key)) == Set(state.selectedFormats.compactMap(state.key)))
    for member in members {
      #expect(member.fittedNu == (member.key.format.needsFittedNu ? fit.nu : nil))
    }
  }

  @Test func theCompareGridRunsOnePassPerGroup() throws {
    var state = started()
    let loaded = try Analysis.load(model.tensor(at: 0), entry: state.tensors[0]) { false }
    state = update(state, .loaded(generation: 1, loaded)).0
    let (comparing, effects) = update(state, .key(.character("c")))
    let passes = QuantizationPass.passes(for: effects)
    let groups = passes.map(\.settings.group)
    #expect(Set(groups) == Set(CompareGrid.groups).subtracting([comparing.settings.group]))
    #expect(groups.count == Set(groups).count)
    for pass in passes { #expect(pass.members.allSatisfy { $0.key.settings == pass.settings }) }
  }

  @Test func everyFormatOfThePassEqualsItsOneFormatRun() throws {
    let session = Session(model: model, modelName: "memory", showsTimings: false)
    session.send(.start)
    session.settle()
    let state = session.state
    #expect(state.inFlight.isEmpty)
    let nu = try #require(state.fit.summary?.nu)
    let tensor = try model.tensor(at: 0)
    for (choice, key, result) in try state.exactResultsOfSelectedFormats() {
      // Independent of the explorer: the kernel's one-format run on the whole tensor.
      let single = try Quantizer.measure(
        tensor, spec: key.format, fittedNu: key.format.needsFittedNu ? nu : nil, settings: key.settings)
      #expect(result.metrics == single, "\(choice.id)")
    }
  }

  @Test func aNewTensorCancelsThePassAndTheNextOneCompletes() throws {
    let session = Session(model: model, modelName: "memory", showsTimings: false)
    session.send(.start)
    // Once the first tensor is loaded its pass runs; moving on cancels it.
    while session.state.tensorStatus != .ready {
      session.absorbNextResults(until: Date().addingTimeInterval(10))
    }
    #expect(!session.state.inFlight.isEmpty)
    session.send(.key(.down))
    session.settle()
    let state = session.state
    #expect(state.focusedTensor == 1)
    #expect(state.inFlight.isEmpty)
    _ = try state.exactResultsOfSelectedFormats()
  }
}
