import Formats
import Kernels
import Testing

@testable import Explorer

/// The rotation lab's `r`: it cycles the rotation, reloads the focused tensor rotated, and keeps
/// rotated results and fits apart from unrotated ones.
struct RotationKeyTests {
  @Test func rCyclesTheRotationAndReloadsTheFocusedTensor() throws {
    let model = TestModels.small()
    let entries = model.tensors.enumerated().map { TensorEntry(index: $0.offset, info: $0.element) }
    var (state, _) = update(State(modelName: "memory", tensors: entries), .start)
    let index = try #require(state.focusedTensor)
    let plain = try Analysis.load(model.tensor(at: index), entry: state.tensors[index]) { false }
    state = update(state, .loaded(generation: state.generation, plain)).0
    let (rotated, effects) = update(state, .key(.character("r")))
    #expect(rotated.rotation == .hadamard(block: 128, randomSigns: false))
    #expect(rotated.generation == state.generation + 1)
    #expect(effects.contains(.load(generation: rotated.generation, index: index, rotation: rotated.rotation)))
    #expect(rotated.fit == .pending)

    let rowLength = model.tensors[index].rowLength
    let loaded = try Analysis.load(model.tensor(at: index), entry: state.tensors[index], rotation: rotated.rotation) {
      false
    }
    if rowLength % 128 == 0 {
      let (ready, runs) = update(rotated, .loaded(generation: rotated.generation, loaded))
      #expect(ready.tensorStatus == .ready)
      #expect(loaded.kurtosis != nil && loaded.unrotatedKurtosis != nil && loaded.unrotated != nil)
      #expect(loaded.fitName.hasSuffix("@hadamard:128"))
      for effect in runs {
        if case .quantize(_, let key, _, _) = effect { #expect(key.rotation == rotated.rotation) }
      }
    }
    // Four presses come back to none.
    var cycled = rotated
    for _ in 0..<3 { cycled = update(cycled, .key(.character("r"))).0 }
    #expect(cycled.rotation == .none)
  }

  @Test func aRotationThatDoesNotFitIsAReasonNotACrash() throws {
    let model = TestModels.small()
    let entry = TensorEntry(index: 0, info: model.tensors[0])
    let rotation = Rotation.hadamard(block: 1 << 20, randomSigns: false)
    #expect(throws: AnalysisUnavailable.self) {
      _ = try Analysis.load(model.tensor(at: 0), entry: entry, rotation: rotation) { false }
    }
  }
}

/// Formats the kernel resolves per tensor run in the explorer's analysis too: `sf4@auto` names
/// the ν it chose and `lloyd` builds its codebook on the tensor.
struct PerTensorFormatTests {
  @Test func sf4AutoAndLloydRunOnALoadedTensor() throws {
    let model = TestModels.small()
    let entry = TensorEntry(index: 0, info: model.tensors[0])
    let loaded = try Analysis.load(model.tensor(at: 0), entry: entry) { false }
    for id in ["sf4@auto", "lloyd"] {
      let key = QuantKey(tensor: entry.name, format: try FormatSpec.parse(id), settings: QuantizationSettings())
      let result = try Analysis.full(loaded, key: key, fittedNu: nil, reusing: nil) { false }
      guard case .codebook(let codebook) = result.metrics.format else {
        Issue.record("\(id) runs a codebook")
        continue
      }
      #expect(codebook.id == id)
      if id == "sf4@auto" { #expect(codebook.nu != nil) } else { #expect(codebook.fullScale == 1) }
    }
  }
}
