import Formats
import Kernels
import TensorIO

/// The explorer's pages: one tensor (the layer tree, histogram and table), the model overview
/// (every tensor × the selected formats), and the Pareto view of quality against cost.
public enum Page: Hashable, Sendable {
  case tensor, overview, pareto
}

/// One overview cell: a format's SQNR on a tensor, a sampled estimate until the exact pass
/// reaches it; nil SQNR with a reason where there is none (an exact tensor, a failed fit).
public struct OverviewCell: Hashable, Sendable {
  public let sqnrDB: Double?
  public let isEstimate: Bool
  public let reason: String?

  public init(sqnrDB: Double?, isEstimate: Bool, reason: String? = nil) {
    self.sqnrDB = sqnrDB
    self.isEstimate = isEstimate
    self.reason = reason
  }
}

/// The background work that fills the overview: a sampled estimate of every format on each
/// tensor of `estimates`, then one exact multi-format pass over each tensor of `exact`.
public struct OverviewRequest: Hashable, Sendable {
  public let generation: Int
  public let estimates: [Int]
  public let exact: [Int]
  public let formats: [FormatSpec]
  public let settings: QuantizationSettings
}

/// Where the overview's cursor is, and what it shows.
public struct OverviewView: Hashable, Sendable {
  /// Row of `OverviewRows.rows(state)` under the cursor.
  public var cursor = 0
  /// Layer types whose tensors are listed under their summary row.
  public var expanded: Set<LayerType> = []
  /// Cells show the Δ to the row's best instead of the SQNR.
  public var showsDelta = false
  /// The Pareto view's axes.
  public var cost = ParetoCost.area
  public var quality = ParetoQuality.meanSQNR
}

/// A row of the overview: the whole model, a layer type's summary, or one tensor.
public enum OverviewRow: Hashable, Sendable {
  case model
  case layerType(LayerType, tensors: Int, isExpanded: Bool)
  case tensor(index: Int)
}

public enum OverviewRows {
  /// The overview's rows: the model, then each layer type present (its tensors below it when
  /// expanded). Tensors that cannot be analysed are left to the tensor page's tree, which lists
  /// them with the reason.
  public static func rows(_ state: State) -> [OverviewRow] {
    var byType: [LayerType: [Int]] = [:]
    for entry in state.tensors where entry.unanalysableReason == nil {
      byType[LayerType(tensorName: entry.name), default: []].append(entry.index)
    }
    var rows: [OverviewRow] = [.model]
    for type in byType.keys.sorted() {
      let members = byType[type]!
      let isExpanded = state.overviewView.expanded.contains(type)
      rows.append(.layerType(type, tensors: members.count, isExpanded: isExpanded))
      if isExpanded { rows += members.map { .tensor(index: $0) } }
    }
    return rows
  }
}

extension State {
  /// The overview's key for tensor `index` and a selected format (its variant applied).
  public func overviewKey(_ index: Int, _ choice: FormatChoice) -> QuantKey {
    QuantKey(tensor: tensors[index].name, format: spec(choice), settings: settings)
  }

  /// Cells still missing and still estimated, over every analysable tensor × selected format.
  public var overviewProgress: (cells: Int, estimated: Int, missing: Int) {
    var total = 0
    var estimated = 0
    var missing = 0
    for entry in tensors where entry.unanalysableReason == nil {
      for choice in selectedFormats {
        total += 1
        switch overview[overviewKey(entry.index, choice)] {
        case nil: missing += 1
        case let cell? where cell.isEstimate: estimated += 1
        default: break
        }
      }
    }
    return (total, estimated, missing)
  }
}

/// Starts the overview's background work when its page is open and cells are missing or still
/// estimated for the current formats and settings; replaces a request for other ones.
func reconcileOverview(_ state: inout State) -> [Effect] {
  let formats = state.selectedFormats.map(state.spec)
  if let running = state.overviewRequest {
    if running.formats == formats && running.settings == state.settings { return [] }
    state.overviewRequest = nil
    state.overviewGeneration += 1
    return [.cancelOverview(generation: running.generation)] + reconcileOverview(&state)
  }
  // After a file changed on disk nothing can be read safely (the status line says so).
  guard state.page != .tensor, state.fileProblem == nil else { return [] }
  var estimates: [Int] = []
  var exact: [Int] = []
  for entry in state.tensors where entry.unanalysableReason == nil {
    let cells = state.selectedFormats.map { state.overview[state.overviewKey(entry.index, $0)] }
    if cells.contains(where: { $0 == nil }) { estimates.append(entry.index) }
    if cells.contains(where: { $0?.isEstimate ?? true }) { exact.append(entry.index) }
  }
  guard !exact.isEmpty else { return [] }
  state.overviewGeneration += 1
  let request = OverviewRequest(
    generation: state.overviewGeneration, estimates: estimates, exact: exact, formats: formats,
    settings: state.settings)
  state.overviewRequest = request
  return [.overview(request)]
}
