import Formats
import Kernels

/// The compare view's table (`c`): the focused tensor's SQNR for every selected format at every
/// group size of `groups`, so one sees which format wins each column and where the winner
/// changes with the group size. Its cells are ordinary kernel results (`State.results`), keyed
/// by the focused key with the group varied: estimates first on large tensors, then exact.
public struct CompareGrid: Sendable {
  /// The columns: tensor, channel, 32, 64, 128, 256 (the `g` cycle).
  public static let groups = GroupSize.cycle

  public struct Row: Sendable {
    public let choice: FormatChoice
    /// One outcome per column of `CompareGrid.groups` (nil: still computing).
    public let cells: [QuantOutcome?]

    /// The SQNR of column `column`, when known (estimate or exact).
    public func sqnrDB(_ column: Int) -> Double? {
      guard case .done(let result)? = cells[column], !result.metrics.sqnrDB.isNaN else { return nil }
      return result.metrics.sqnrDB
    }

    /// Whether column `column` holds only a sampled estimate so far.
    public func isEstimate(_ column: Int) -> Bool {
      if case .done(let result)? = cells[column] { return result.isEstimate }
      return false
    }
  }

  public let rows: [Row]

  /// The rows with the highest SQNR in column `column` (several on a tie; none before any number).
  public func winners(_ column: Int) -> [Int] {
    let values = rows.map { $0.sqnrDB(column) }
    guard let best = values.compactMap({ $0 }).max() else { return [] }
    return values.indices.filter { values[$0] == best }
  }

  /// Whether every row of column `column` has its outcome (estimate or exact).
  public func isComplete(_ column: Int) -> Bool { rows.allSatisfy { $0.cells[column] != nil } }

  /// Whether any cell is missing or still an estimate.
  public var isPending: Bool {
    rows.contains { row in row.cells.indices.contains { row.cells[$0] == nil || row.isEstimate($0) } }
  }
}

extension State {
  /// The cache key of a selected format on the focused tensor at `group` (the other settings as set).
  public func compareKey(_ choice: FormatChoice, group: GroupSize) -> QuantKey? {
    guard let focused = focusedTensor else { return nil }
    var settings = self.settings
    settings.group = group
    return QuantKey(tensor: tensors[focused].name, format: spec(choice), settings: settings, rotation: rotation)
  }

  /// The compare view's table from the results known so far.
  public var compareGrid: CompareGrid {
    CompareGrid(
      rows: selectedFormats.map { choice in
        CompareGrid.Row(
          choice: choice,
          cells: CompareGrid.groups.map { group in compareKey(choice, group: group).flatMap { results[$0] } })
      })
  }

  /// The keys the compare view needs, column by column (none while it is closed).
  var compareKeys: [QuantKey] {
    guard isCompareVisible else { return [] }
    return CompareGrid.groups.flatMap { group in selectedFormats.compactMap { compareKey($0, group: group) } }
  }
}
