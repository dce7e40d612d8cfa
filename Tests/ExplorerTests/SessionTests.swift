import Formats
import Kernels
import TensorIO
import Testing

@testable import Explorer

/// The whole live path: update, the scheduler's tasks, results folded back in.
struct SessionTests {
  @Test func settlesWithEveryDefaultFormatComputedAndMatchingTheKernelDirectly() throws {
    let model = TestModels.small()
    let session = Session(model: model, modelName: "memory")
    session.send(.start)
    session.settle()
    let state = session.state
    #expect(state.tensorStatus == .ready)
    #expect(state.fit.summary != nil)
    #expect(state.inFlight.isEmpty)
    #expect(!state.isComputing)
    for (choice, _, result) in try state.exactResultsOfSelectedFormats() {
      if choice.id == "int4" {
        let direct = try Quantizer.measure(
          model.tensor(at: 0), format: FormatSpec.parse("int4").resolved(), settings: QuantizationSettings())
        #expect(result.metrics == direct)
      }
    }
  }

  @Test func aToggleRecomputesAndTheTableChanges() throws {
    let session = Session(model: TestModels.small(), modelName: "memory")
    session.send(.start)
    session.settle()
    let e2m1 = try #require(FormatChoice.named("e2m1"))
    let before = session.state.results[session.state.key(e2m1)!]
    session.send(.key(.character("s")))
    session.settle()
    let key = try #require(session.state.key(e2m1))
    #expect(key.format.id == "e2m1-sr")
    let after = session.state.results[key]
    #expect(after != nil && after != before)
  }

  /// What `bench toggle` relies on: after forgetting, the table's results stay (nothing is
  /// recomputed) and a toggle back to an earlier variant computes it again.
  @Test func forgettingResultsOutsideTheTableKeepsTheTableAndRecomputesAnEarlierVariant() throws {
    let session = Session(model: TestModels.small(), modelName: "memory")
    session.send(.start)
    session.settle()
    let e2m1 = try #require(FormatChoice.named("e2m1"))
    let plain = try #require(session.state.key(e2m1))
    for _ in 0..<2 {
      session.send(.key(.character("s")))
      session.settle()
    }
    let shown = Set(session.state.tableRows.compactMap(\.key))
    #expect(session.state.results[plain] != nil && !shown.contains(plain))
    session.forgetResultsOutsideTheTable()
    #expect(Set(session.state.results.keys) == shown)
    #expect(session.state.inFlight.isEmpty)
    session.send(.key(.character("s")))  // back to plain E2M1: computed again
    #expect(session.state.key(e2m1) == plain)
    #expect(session.state.results[plain] == nil)  // results are folded in only by absorb/settle
    session.settle()
    guard case .done(let result)? = session.state.results[plain] else {
      Issue.record("no result for \(plain.format.id) after the toggle")
      return
    }
    #expect(!result.isEstimate)
  }

  @Test func aFormatThatNeedsNuSaysWhyWhenTheFitFailsAndNuWouldMatter() throws {
    // Two values (0.3 and 1, 2:1): no t fit, and SF4's error depends on where its codes lie.
    let values = (0..<(64 * 128)).map { Float($0 % 3 == 0 ? 1 : 0.3) }
    let model = Model(
      path: "memory.safetensors", tensors: [TestModels.tensor("two.weight", values, shape: [64, 128])], metadata: [:])
    let session = Session(model: model, modelName: "memory")
    session.send(.start)
    session.settle()
    let state = session.state
    guard case .failed = state.fit else {
      Issue.record("expected a failed fit, got \(state.fit)")
      return
    }
    #expect(!state.isComputing)
    let sf4 = try #require(state.tableRows.first { $0.choice.id == "sf4@fit" })
    guard case .failed(let reason)? = sf4.outcome else {
      Issue.record("expected SF4(fit) to say why it has no number, got \(String(describing: sf4.outcome))")
      return
    }
    #expect(reason.contains("ν"))
    // The same format at the default ν is indeed not exact here.
    let atDefault = try Quantizer.measure(model.tensor(at: 0), format: FormatSpec.parse("sf4").resolved())
    #expect(atDefault.mse > 0)
  }

  @Test func sortingByNuSurveysEveryTensorAndOrdersHeaviestTailsFirst() throws {
    let session = Session(model: TestModels.small(), modelName: "memory")
    session.send(.start)
    session.settle()
    session.send(.key(.character("o")))  // size
    session.send(.key(.character("o")))  // ν
    #expect(session.state.sortKey == .nu)
    session.settle()
    let state = session.state
    #expect(state.survey == nil)
    let order = LayerTree.rows(state).compactMap { row -> Double? in
      guard case .tensor(let index, _, _) = row else { return nil }
      return state.sortingNu(state.tensors[index].name)
    }
    // The four weights have a ν; the I64 and all-NaN tensors have none and come last.
    #expect(order.count == 4)
    #expect(order == order.sorted())
  }

  @Test func sortingByErrorRanksByTheFocusedFormatsSQNR() throws {
    let session = Session(model: TestModels.small(), modelName: "memory")
    session.send(.start)
    session.settle()
    for _ in 0..<3 { session.send(.key(.character("o"))) }
    #expect(session.state.sortKey == .error)
    session.settle()
    let state = session.state
    let sqnrs = LayerTree.rows(state).compactMap { row -> Double? in
      guard case .tensor(let index, _, _) = row else { return nil }
      return state.sortingSQNR(state.tensors[index].name)
    }
    #expect(sqnrs.count == 4)
    #expect(sqnrs == sqnrs.sorted())
  }
}
