import Formats
import Kernels
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
    #expect(state.fit != nil)
    #expect(state.inFlight.isEmpty)
    for id in state.selectedFormats {
      let key = try #require(state.key(id))
      guard case .done(let result)? = state.results[key] else {
        Issue.record("no result for \(id)")
        continue
      }
      #expect(!result.isEstimate)
      if id == "int4" {
        let direct = try Quantizer.measure(
          model.tensor(at: 0), format: FormatSpec.parse("int4").resolved(), settings: QuantizationSettings())
        #expect(result.sqnrDB == direct.sqnrDB)
        #expect(result.codeUsage == direct.codeUsage)
      }
    }
  }

  @Test func aToggleRecomputesAndTheTableChanges() throws {
    let session = Session(model: TestModels.small(), modelName: "memory")
    session.send(.start)
    session.settle()
    let before = session.state.results[session.state.key("e2m1")!]
    session.send(.key(.character("s")))
    session.settle()
    let key = try #require(session.state.key("e2m1"))
    #expect(key.format == "e2m1-sr")
    let after = session.state.results[key]
    #expect(after != nil && after != before)
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
