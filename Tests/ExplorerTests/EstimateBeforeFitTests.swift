import Fits
import Formats
import Kernels
import TensorIO
import Testing

@testable import Explorer

/// On a tensor larger than its row sample, SF4(fit) shows an estimate at a quick ν while the fit
/// runs (issue 11: every format's number first), and the run at the fitted ν follows the fit.
struct EstimateBeforeFitTests {
  /// 1,100 × 1,024 elements: more than the 2^20-element row sample, so the sample is not the tensor.
  private let model = Model(
    path: "memory.safetensors",
    tensors: [
      TestModels.tensor(
        "layers.0.mlp.weight", TestModels.heavyTailed(rows: 1100, columns: 1024, seed: 7), shape: [1100, 1024])
    ], metadata: [:])

  @Test func sf4AtTheFittedNuIsEstimatedBeforeTheFitAndRunAfterIt() throws {
    let entries = model.tensors.enumerated().map { TensorEntry(index: $0.offset, info: $0.element) }
    var state = update(State(modelName: "memory", tensors: entries), .start).0
    let loaded = try Analysis.load(model.tensor(at: 0), entry: state.tensors[0]) { false }
    #expect(!loaded.sampleIsWhole)
    var effects: [Effect]
    (state, effects) = update(state, .loaded(generation: 1, loaded))
    let key = try #require(state.key(FormatChoice.named("sf4@fit")!))
    #expect(state.fit == .pending)
    #expect(effects.contains(.estimateBeforeFit(generation: 1, key: key, tensor: LoadedTensorReference(loaded))))
    #expect(state.inFlight.contains(key))

    // The scheduler's work for that effect, done here: the row sample at the sample's quick ν.
    let quickNu = try #require(TensorFits.quickNu(loaded.sample))
    let estimate = try Analysis.estimate(loaded, key: key, fittedNu: quickNu) { false }
    #expect(estimate.isEstimate)
    (state, effects) = update(state, .estimatedBeforeFit(generation: 1, key, estimate))
    #expect(state.results[key] == .done(estimate))
    #expect(!state.inFlight.contains(key))
    #expect(!effects.contains { if case .quantize(_, key, _, _) = $0 { true } else { false } })

    // The fit arrives: the key runs again at the fitted ν (estimate, then the exact pass).
    let fit = try Analysis.fit(loaded) { false }
    (state, effects) = update(state, .fitted(generation: 1, tensor: loaded.fitName, fit))
    #expect(
      effects.contains(.quantize(generation: 1, key: key, tensor: LoadedTensorReference(loaded), fittedNu: fit.nu)))

    // The estimate at the quick ν is close to the exact SQNR at the fitted ν (independent of the
    // explorer: the kernel on the whole tensor with SF4 built at the full fit's ν).
    let exact = try Quantizer.measure(
      model.tensor(at: 0), format: .codebook(FormatCatalog.studentFloat(bits: 4, nu: fit.nu)),
      settings: key.settings)
    #expect(abs(estimate.metrics.sqnrDB - exact.sqnrDB) < 0.25)
  }

  @Test func aTensorItsSampleHoldsWholeWaitsForTheFit() throws {
    let small = TestModels.small()
    let entries = small.tensors.enumerated().map { TensorEntry(index: $0.offset, info: $0.element) }
    let state = update(State(modelName: "memory", tensors: entries), .start).0
    let loaded = try Analysis.load(small.tensor(at: 0), entry: state.tensors[0]) { false }
    #expect(loaded.sampleIsWhole)
    let effects = update(state, .loaded(generation: 1, loaded)).1
    // An estimate at a quick ν would be the whole tensor, shown as exact at the wrong ν: none.
    #expect(!effects.contains { if case .estimateBeforeFit = $0 { true } else { false } })
  }
}
