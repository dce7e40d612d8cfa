import Formats
import Kernels

/// Everything the explorer shows, in one value. `update` is the only way it changes.
public struct State: Sendable {
  // The model.
  public var modelName: String
  public var tensors: [TensorEntry]
  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.count } }

  // The layer tree.
  public var expandedGroups: Set<String> = []
  /// Row of `LayerTree.rows(self)` under the cursor.
  public var cursor = 0
  public var filter = ""
  public var isEditingFilter = false
  public var sortKey = SortKey.name

  // The focused tensor and what has been computed for it.
  /// Index into `tensors` of the tensor on the right-hand panes.
  public var focusedTensor: Int?
  public var tensorStatus = TensorStatus.none
  public var loaded: LoadedTensor?
  /// The focused tensor's fit: pending, fitted, or why it failed.
  public var fit = FitOutcome.pending
  /// Cache of kernel results (and per-key failures), by (tensor, format, group, scaling).
  public var results: [QuantKey: QuantOutcome] = [:]
  /// Keys whose computation is running.
  public var inFlight: Set<QuantKey> = []
  /// Bumped whenever the focused tensor changes: results of older loads and fits are dropped.
  public var generation = 0
  /// Time of the last completed full recompute.
  public var lastRecomputeMilliseconds: Double?
  /// Fits already tried, by tensor name (revisiting a tensor shows its fit, or why it has
  /// none, at once).
  public var fits: [String: FitOutcome] = [:]
  /// The rotation the focused tensor is loaded with (`r` cycles `Rotation.cycle`).
  public var rotation: Rotation = .none
  /// ν per tensor name, from full fits or the background survey (for sorting by ν).
  public var surveyedNu: [String: Double] = [:]
  /// Sampled SQNR per key from the background survey (for sorting by error).
  public var surveyedSQNR: [QuantKey: Double] = [:]
  /// What the survey has already tried, so a tensor whose fit fails (all NaN) is not surveyed
  /// again and again.
  public var surveyAttempts: Set<SurveyAttempt> = []
  /// The survey running in the background, if any, and the last survey number handed out.
  public var survey: SurveyRequest?
  public var surveyGeneration = 0

  // The model overview and the Pareto view (`v`, `p`).
  public var page = Page.tensor
  public var overviewView = OverviewView()
  /// Overview cells by (tensor, format, group, scaling): estimates, then exact values.
  public var overview: [QuantKey: OverviewCell] = [:]
  /// The overview work running in the background, if any, and the last number handed out.
  public var overviewRequest: OverviewRequest?
  public var overviewGeneration = 0
  /// Hardware costs for the Pareto view (the paper's, or `--costs`).
  public var costs = HardwareCostTable.paper

  // The formats.
  public var selectedFormats: [FormatChoice] = FormatChoice.defaultSelection
  /// The format `s` acts on (the highlighted table row).
  public var focusedFormat = FormatChoice.named("e2m1")!
  public var supernormal: [FormatChoice: Supernormal] = [:]
  /// Group and scaling (`g`, `m`): the settings `quant` and `report` take too.
  public var settings = QuantizationSettings()

  // The view.
  public var histogramMode = HistogramMode.values
  public var logY = true
  /// x zoom: the histogram shows [-amax, amax] / 2^zoom.
  public var zoom = 0
  public var showNormal = true
  public var themeNames: [String]
  public var themeIndex = 0
  public var isHelpVisible = false
  public var isCompareVisible = false
  /// Inside compare (`e`): the error histograms per format instead of the SQNR × group table.
  public var compareShowsHistograms = false
  /// The format picker (`f`): open with its cursor, or nil.
  public var pickerCursor: Int?
  public var shouldQuit = false
  /// Whether the status line shows the last recompute time (headless snapshots hide it, so
  /// their output is the same on every run).
  public var showsTimings = true
  /// A one-shot note for the status line (e.g. "NVFP4 has no supernormal variant").
  public var notice: String?
  /// Set once a model file changed on disk since it was opened (or could not be opened again):
  /// the status line keeps showing it until `R` reopens the model.
  public var fileProblem: String?
  /// `R` asked for the model to be opened again and the answer has not come back yet.
  public var isReopening = false

  // The shipped model (`--against SHIPPED`): one more table row for the focused tensor.
  public var shipped: ShippedComparison?
  /// Shipped rows measured so far, by original tensor name (the same whatever group, scaling,
  /// format or rotation is chosen: the shipped values are compared with the original's).
  public var shippedResults: [String: ShippedOutcome] = [:]
  /// The shipped pass running for the focused tensor, if any.
  public var shippedRequest: ShippedRequest?

  public init(modelName: String, tensors: [TensorEntry], themeNames: [String] = ["default"], themeIndex: Int = 0) {
    self.modelName = modelName
    self.tensors = tensors
    self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
    self.themeIndex = min(max(themeIndex, 0), self.themeNames.count - 1)
  }

  public var themeName: String { themeNames[themeIndex] }

  /// The format the kernel runs for a selected choice (its supernormal variant applied).
  public func spec(_ choice: FormatChoice) -> FormatSpec { choice.spec(supernormal[choice] ?? .none) }

  /// Display name of a selected choice with its variant.
  public func displayName(_ choice: FormatChoice) -> String { choice.displayName(supernormal[choice] ?? .none) }

  /// The cache key for a selected choice on the focused tensor with the current settings.
  public func key(_ choice: FormatChoice) -> QuantKey? {
    guard let focused = focusedTensor else { return nil }
    return QuantKey(tensor: tensors[focused].name, format: spec(choice), settings: settings, rotation: rotation)
  }

  /// The table rows: each selected format (catalogue order) with its outcome, when known.
  public var tableRows: [(choice: FormatChoice, key: QuantKey?, outcome: QuantOutcome?)] {
    selectedFormats.map { choice in
      let key = key(choice)
      return (choice, key, key.flatMap { results[$0] })
    }
  }

  /// True while anything the screen shows is still to come: the load, the fit, a kernel run,
  /// a table row without its outcome, or the survey. The status line says `ready` only when
  /// this is false.
  public var isComputing: Bool {
    if survey != nil || overviewRequest != nil || !inFlight.isEmpty || shippedRequest != nil { return true }
    switch tensorStatus {
    case .loading: return true
    case .none, .unanalysable: return false
    case .ready:
      if fit == .pending { return true }
      if isCompareVisible && compareKeys.contains(where: { results[$0] == nil }) { return true }
      return tableRows.contains { $0.outcome == nil }
    }
  }
}

/// Where the focused tensor's analysis is.
public enum TensorStatus: Hashable, Sendable {
  case none
  case loading
  case ready
  /// Cannot be analysed, with the reason (I64, all NaN, …).
  case unanalysable(String)
}

/// A background pass over every analysable tensor that sorting by ν or by error needs:
/// a fit (and, for error, one kernel run of the focused format) on a small row sample each.
public struct SurveyRequest: Hashable, Sendable {
  public let generation: Int
  /// Indices into `State.tensors` still to survey.
  public let tensors: [Int]
  /// The format to measure (nil: ν only), with `settings`.
  public let format: FormatSpec?
  public let settings: QuantizationSettings
}

/// One tensor the survey has tried: with a format (or nil for ν only) and settings.
public struct SurveyAttempt: Hashable, Sendable {
  public let tensor: String
  public let format: FormatSpec?
  public let settings: QuantizationSettings
}

extension State {
  func surveyAttempt(_ name: String, format: FormatSpec?) -> SurveyAttempt {
    SurveyAttempt(tensor: name, format: format, settings: settings)
  }

  /// The SQNR sorting by error uses for a tensor: the focused format with the current group and
  /// scaling, exact when computed, else the survey's estimate.
  public func sortingSQNR(_ name: String) -> Double? {
    let key = QuantKey(tensor: name, format: spec(focusedFormat), settings: settings)
    if case .done(let result)? = results[key] { return result.metrics.sqnrDB }
    return surveyedSQNR[key]
  }

  /// The key of a tensor's fit in `fits`: its name, with the rotation when rotated (sorting by ν
  /// reads the unrotated fits).
  public static func fitName(_ name: String, rotation: Rotation) -> String {
    rotation == .none ? name : "\(name) @\(rotation)"
  }

  /// ν for sorting: the full fit when known, else the survey's.
  public func sortingNu(_ name: String) -> Double? { fits[name]?.summary?.nu ?? surveyedNu[name] }
}
