import Formats
import Kernels
import Testing

@testable import Explorer

/// The pure transition: what each action does to the state and which effects it asks for.
struct UpdateTests {
  private func started() -> (State, [Effect]) {
    let model = TestModels.small()
    let entries = model.tensors.enumerated().map { TensorEntry(index: $0.offset, info: $0.element) }
    return update(State(modelName: "memory", tensors: entries), .start)
  }

  private func loaded(_ state: State, generation: Int) throws -> State {
    let model = TestModels.small()
    let index = try #require(state.focusedTensor)
    let tensor = try Analysis.load(model.tensor(at: index), entry: state.tensors[index]) { false }
    return update(state, .loaded(generation: generation, tensor)).0
  }

  private func result(sqnr: Double, estimate: Bool = false) -> QuantResult {
    let empty = Histogram.empty(lower: -1, upper: 1, bins: 1)
    let metrics = QuantizationMetrics(
      format: .int4Asymmetric, group: .standard, scaleMode: .absmax, clipRatio: 1, count: 3, finiteCount: 3,
      nonFiniteCount: 0, mse: 1e-5, sqnrDB: sqnr, maxAbsError: 0.01, relativeL2: 0.1, signal: 1e-3, codeUsage: [1, 2],
      isEstimate: estimate)
    return QuantResult(
      metrics: metrics, displayScale: 1, errorHistogram: empty, dequantizedHistogram: empty, isEstimate: estimate,
      milliseconds: 3)
  }

  private func choice(_ id: String) -> FormatChoice { FormatChoice.named(id)! }

  @Test func startFocusesTheFirstTensorAndLoadsIt() throws {
    let (state, effects) = started()
    #expect(state.focusedTensor == 0)
    #expect(state.generation == 1)
    #expect(state.tensorStatus == .loading)
    #expect(effects.contains(.load(generation: 1, index: 0)))
  }

  @Test func loadingStartsTheFitAndOneKernelRunPerSelectedFormatThatNeedsNoFit() throws {
    let (state, _) = started()
    let model = TestModels.small()
    let tensor = try Analysis.load(model.tensor(at: 0), entry: state.tensors[0]) { false }
    let (next, effects) = update(state, .loaded(generation: 1, tensor))
    #expect(next.tensorStatus == .ready)
    let runs = effects.compactMap { effect -> String? in
      if case .quantize(_, let key, _, _) = effect { return key.format.id }
      return nil
    }
    // sf4@fit waits for the fit; the other default formats start at once.
    #expect(Set(runs) == Set(["int4", "nf4", "e2m1"]))
    #expect(effects.contains { if case .fit = $0 { return true } else { return false } })
    #expect(next.inFlight.count == 3)
  }

  @Test func aResultFromAnOlderGenerationIsDropped() throws {
    var (state, _) = started()
    state = try loaded(state, generation: 1)
    let key = try #require(state.key(choice("int4")))
    // Moving to the next tensor starts generation 2; generation 1's answer arrives late.
    state = update(state, .key(.character("j"))).0
    #expect(state.generation == 2)
    let (after, effects) = update(state, .quantized(generation: 1, key, result(sqnr: 15)))
    #expect(after.results[key] == nil)
    #expect(effects.isEmpty)
  }

  @Test func movingToAnotherTensorCancelsTheOlderWork() throws {
    var (state, _) = started()
    state = try loaded(state, generation: 1)
    let (next, effects) = update(state, .key(.down))
    #expect(next.focusedTensor == 1)
    #expect(effects.first == .cancelStale(generation: 2, keep: []))
    #expect(effects.contains(.load(generation: 2, index: 1)))
    #expect(next.inFlight.isEmpty)
  }

  @Test func aCachedResultIsShownWithoutRecomputing() throws {
    var (state, _) = started()
    state = try loaded(state, generation: 1)
    let key = try #require(state.key(choice("int4")))
    state = update(state, .quantized(generation: 1, key, result(sqnr: 15))).0
    #expect(!state.inFlight.contains(key))
    // Toggle INT4 (key 1) off and on again: no new kernel run, the cached row is back.
    state = update(state, .key(.character("1"))).0
    #expect(!state.selectedFormats.contains(choice("int4")))
    let (again, effects) = update(state, .key(.character("1")))
    #expect(again.selectedFormats.contains(choice("int4")))
    #expect(!effects.contains { if case .quantize(_, key, _, _) = $0 { return true } else { return false } })
    #expect(again.results[key] == .done(result(sqnr: 15)))
  }

  @Test func theSupernormalKeyCyclesTheFocusedFormatAndCancelsTheStaleVariant() throws {
    var (state, _) = started()
    state = try loaded(state, generation: 1)
    let e2m1 = choice("e2m1")
    #expect(state.focusedFormat == e2m1)
    let (sr, effects) = update(state, .key(.character("s")))
    #expect(sr.spec(e2m1).id == "e2m1-sr")
    let plain = try #require(state.key(e2m1))
    #expect(!sr.inFlight.contains(plain))
    #expect(
      effects.contains { if case .cancelStale(_, let keep) = $0 { return !keep.contains(plain) } else { return false } }
    )
    #expect(
      effects.contains {
        if case .quantize(_, let key, _, _) = $0 { return key.format.id == "e2m1-sr" } else { return false }
      })
    let sp = update(sr, .key(.character("s"))).0
    #expect(sp.spec(e2m1).id == "e2m1-sp")
    #expect(update(sp, .key(.character("s"))).0.spec(e2m1).id == "e2m1")
  }

  @Test func anEstimateNeverReplacesAFullResult() throws {
    var (state, _) = started()
    state = try loaded(state, generation: 1)
    let key = try #require(state.key(choice("nf4")))
    state = update(state, .quantized(generation: 1, key, result(sqnr: 18))).0
    state = update(state, .quantized(generation: 1, key, result(sqnr: 17, estimate: true))).0
    #expect(state.results[key] == .done(result(sqnr: 18)))
    #expect(state.lastRecomputeMilliseconds == 3)
  }

  @Test func aFailedFitIsKeptAndTheFormatThatNeedsNuRunsWithoutOne() throws {
    var (state, _) = started()
    state = try loaded(state, generation: 1)
    #expect(state.fit == .pending && state.isComputing)
    let (failed, effects) = update(state, .fitFailed(generation: 1, tensor: state.tensors[0].name, reason: "all equal"))
    #expect(failed.fit == .failed("all equal"))
    #expect(failed.fits[state.tensors[0].name] == .failed("all equal"))
    let runs = effects.compactMap { effect -> (String, Double?)? in
      if case .quantize(_, let key, _, let nu) = effect { return (key.format.id, nu) }
      return nil
    }
    #expect(runs.count == 1 && runs.first?.0 == "sf4@fit" && runs.first?.1 == nil)
    // Still computing until every row has its outcome.
    #expect(failed.isComputing)
  }

  @Test func anInt64TensorIsNotAnalysedAndSaysWhy() throws {
    var (state, _) = started()
    let index = try #require(state.tensors.firstIndex { $0.name == "position_ids" })
    state.filter = "position"
    let (next, effects) = update(state, .key(.enter))
    #expect(next.focusedTensor == index)
    guard case .unanalysable(let reason) = next.tensorStatus else {
      Issue.record("expected an unanalysable status")
      return
    }
    #expect(reason.contains("I64"))
    #expect(!effects.contains { if case .load = $0 { return true } else { return false } })
  }

  @Test func anAllNaNTensorLoadsButIsNotAnalysed() throws {
    var (state, _) = started()
    state.filter = "broken"
    state = update(state, .key(.enter)).0
    state = try loaded(state, generation: state.generation)
    guard case .unanalysable(let reason) = state.tensorStatus else {
      Issue.record("expected an unanalysable status")
      return
    }
    #expect(reason.contains("NaN"))
  }

  @Test func sortingByNuStartsOneSurveyOfTheTensorsWithoutAFit() throws {
    var (state, _) = started()
    state = update(state, .key(.character("o"))).0
    let (byNu, effects) = update(state, .key(.character("o")))
    #expect(byNu.sortKey == .nu)
    guard case .survey(let request)? = effects.last else {
      Issue.record("expected a survey effect, got \(effects)")
      return
    }
    #expect(request.format == nil)
    // Every analysable tensor (not the I64 ids, not the all-NaN one, which loads as analysable).
    #expect(
      Set(request.tensors.map { state.tensors[$0].name }).isSuperset(of: [
        "layers.0.mlp.weight", "layers.1.attn.weight",
      ]))
    #expect(!request.tensors.contains { state.tensors[$0].name == "position_ids" })
    // Back to sorting by name cancels it.
    let (byName, more) = update(update(byNu, .key(.character("o"))).0, .key(.character("o")))
    #expect(byName.sortKey == .name && byName.survey == nil)
    #expect(more.contains { if case .cancelSurvey = $0 { return true } else { return false } })
  }

  @Test func viewKeysChangeOnlyTheView() throws {
    var (state, _) = started()
    state = try loaded(state, generation: 1)
    let keys: [(Key, (State) -> Bool)] = [
      (.character("y"), { !$0.logY }), (.character("z"), { $0.zoom == 1 }), (.character("n"), { !$0.showNormal }),
      (.character("e"), { $0.histogramMode == .error }),
      (.character("?"), { $0.isHelpVisible }), (.character("o"), { $0.sortKey == .size }),
    ]
    for (key, check) in keys {
      let (next, effects) = update(state, .key(key))
      #expect(check(next), "key \(key)")
      #expect(effects.isEmpty, "key \(key)")
    }
    // `c` opens the SQNR × group table: the runs of the other five groups start (the current
    // group's are the table's own).
    let (comparing, runs) = update(state, .key(.character("c")))
    #expect(comparing.isCompareVisible)
    let groups = runs.compactMap { effect -> GroupSize? in
      if case .quantize(_, let key, _, _) = effect { return key.settings.group }
      return nil
    }
    #expect(Set(groups) == Set(CompareGrid.groups).subtracting([state.settings.group]))
  }

  @Test func groupAndScalingChangeTheKeysAndStartNewRuns() throws {
    var (state, _) = started()
    state = try loaded(state, generation: 1)
    let (grouped, effects) = update(state, .key(.character("g")))
    #expect(grouped.settings.group == .elements(256))
    #expect(
      effects.contains {
        if case .quantize(_, let key, _, _) = $0 { return key.settings.group == .elements(256) } else { return false }
      })
    let scaled = update(grouped, .key(.character("m"))).0
    #expect(scaled.settings.scale == .mse)
    #expect(scaled.key(choice("int4"))?.settings.scale == .mse)
  }

  @Test func theFilterNarrowsTheTreeAndFocusesTheFirstMatch() throws {
    var (state, _) = started()
    for key in try Key.sequence("/attn") { state = update(state, .key(key)).0 }
    #expect(state.isEditingFilter)
    let names = LayerTree.rows(state).compactMap { row -> String? in
      if case .tensor(let index, _, _) = row { return state.tensors[index].name }
      return nil
    }
    #expect(names == ["layers.0.attn.weight", "layers.1.attn.weight"])
    #expect(state.focusedTensor == 1)
    state = update(state, .key(.escape)).0
    #expect(state.filter.isEmpty && !state.isEditingFilter)
  }
}
