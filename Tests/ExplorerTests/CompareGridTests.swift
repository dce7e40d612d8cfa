import Formats
import Foundation
import Kernels
import TensorIO
import Testing

@testable import Explorer

/// The compare view's SQNR × group table: every cell is what the kernel's single-format path
/// gives that format at that group (the path `quant` and the numpy cross-checks test), and each
/// column's winner is the format with the highest of those values.
struct CompareGridTests {
  /// Rows of 512 so that every group size of the table splits the rows differently.
  static func model() -> Model {
    Model(
      path: "memory.safetensors",
      tensors: [
        TestModels.tensor(
          "model.layers.0.mlp.down_proj.weight", TestModels.heavyTailed(rows: 48, columns: 512, seed: 21),
          shape: [48, 512])
      ], metadata: [:])
  }

  @Test func cellsEqualTheSingleFormatKernelAtEveryGroup() throws {
    let model = Self.model()
    let session = Session(model: model, modelName: "memory")
    session.send(.start)
    session.settle()
    session.send(.key(.character("3")))  // SF4(5) beside INT4, NF4, SF4(fit), E2M1
    session.send(.key(.character("c")))
    #expect(session.state.isCompareVisible && session.state.isComputing)
    session.settle()
    let state = session.state
    #expect(!state.isComputing)
    let grid = state.compareGrid
    #expect(!grid.isPending && grid.rows.count == 5)
    let tensor = model.tensor(at: 0)
    let nu = try #require(state.fit.summary?.nu)
    for (column, group) in CompareGrid.groups.enumerated() {
      var settings = state.settings
      settings.group = group
      var expected: [Double] = []
      for row in grid.rows {
        let spec = state.spec(row.choice)
        let measured = try Quantizer.measure(
          tensor, spec: spec, fittedNu: spec.needsFittedNu ? nu : nil, settings: settings)
        #expect(row.sqnrDB(column) == measured.sqnrDB, "\(spec.id) at \(group)")
        #expect(!row.isEstimate(column))
        expected.append(measured.sqnrDB)
      }
      let best = try #require(expected.max())
      #expect(grid.winners(column) == expected.indices.filter { expected[$0] == best }, "\(group)")
    }
    // The values differ across the groups (the axis is not the same key six times).
    let nf4 = try #require(grid.rows.first { $0.choice.name == "NF4" })
    #expect(Set(CompareGrid.groups.indices.map { nf4.sqnrDB($0)! }).count == CompareGrid.groups.count)
  }

  @Test func closingCompareCancelsTheGridAndTheTableKeepsItsKeys() throws {
    let session = Session(model: Self.model(), modelName: "memory")
    session.send(.start)
    session.settle()
    session.send(.key(.character("c")))
    #expect(session.state.inFlight.count > session.state.selectedFormats.count)
    session.send(.key(.escape))
    #expect(!session.state.isCompareVisible)
    // Only the table's keys may still be running: the grid's other groups were cancelled.
    let table = Set(session.state.selectedFormats.compactMap(session.state.key))
    #expect(session.state.inFlight.isSubset(of: table))
    session.settle()
    #expect(!session.state.isComputing)
  }

  @Test func eInsideCompareShowsTheHistogramsAndLeavesTheMainModeAlone() {
    var state = State(modelName: "m", tensors: [])
    state.isCompareVisible = true
    let (next, _) = update(state, .key(.character("e")))
    #expect(next.compareShowsHistograms && next.histogramMode == .values)
  }
}
