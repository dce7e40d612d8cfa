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
  public var fit: FitSummary?
  /// Cache of kernel results (and per-key failures), by (tensor, format, group, scaling).
  public var results: [QuantKey: QuantOutcome] = [:]
  /// Keys whose computation is running.
  public var inFlight: Set<QuantKey> = []
  /// Bumped whenever the focused tensor changes: results of older loads and fits are dropped.
  public var generation = 0
  /// Time of the last completed full recompute.
  public var lastRecomputeMilliseconds: Double?
  /// Fits already computed, by tensor name (revisiting a tensor shows its fit at once).
  public var fits: [String: FitSummary] = [:]
  /// ν per tensor name, from full fits or the background survey (for sorting by ν).
  public var surveyedNu: [String: Double] = [:]
  /// Sampled SQNR per key from the background survey (for sorting by error).
  public var surveyedSQNR: [QuantKey: Double] = [:]
  /// What the survey has already tried (tensor, format or nil for ν, group, scaling), so a
  /// tensor whose fit fails (all NaN) is not surveyed again and again.
  public var surveyAttempts: Set<QuantKey> = []
  /// The survey running in the background, if any, and the last survey number handed out.
  public var survey: SurveyRequest?
  public var surveyGeneration = 0

  // The formats.
  public var selectedFormats: [String] = FormatChoice.defaultSelection
  /// Base id of the format `s` acts on (the highlighted table row).
  public var focusedFormat = "e2m1"
  public var supernormal: [String: Supernormal] = [:]
  public var group = GroupSetting.size(128)
  public var scale = ScaleMode.absmax

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
  /// The format picker (`f`): open with its cursor, or nil.
  public var pickerCursor: Int?
  public var shouldQuit = false
  /// Whether the status line shows the last recompute time (headless snapshots hide it, so
  /// their output is the same on every run).
  public var showsTimings = true
  /// A one-shot note for the status line (e.g. "NVFP4 has no supernormal variant").
  public var notice: String?

  public init(modelName: String, tensors: [TensorEntry], themeNames: [String] = ["default"], themeIndex: Int = 0) {
    self.modelName = modelName
    self.tensors = tensors
    self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
    self.themeIndex = min(max(themeIndex, 0), self.themeNames.count - 1)
  }

  public var themeName: String { themeNames[themeIndex] }

  /// The catalogue entry of a base id.
  public func choice(_ id: String) -> FormatChoice? { FormatChoice.catalogue.first { $0.id == id } }

  /// The format id the kernel runs for a selected base id (its supernormal variant applied).
  public func effectiveFormat(_ id: String) -> String {
    choice(id)?.effectiveID(supernormal[id] ?? .none) ?? id
  }

  /// Display name of a selected base id with its variant.
  public func displayName(_ id: String) -> String {
    choice(id)?.displayName(supernormal[id] ?? .none) ?? id
  }

  /// The cache key for a selected base id on the focused tensor with the current settings.
  public func key(_ id: String) -> QuantKey? {
    guard let focused = focusedTensor else { return nil }
    return QuantKey(tensor: tensors[focused].name, format: effectiveFormat(id), group: group, scale: scale)
  }

  /// The table rows: each selected format (catalogue order) with its outcome, when known.
  public var tableRows: [(id: String, key: QuantKey?, outcome: QuantOutcome?)] {
    selectedFormats.map { id in
      let key = key(id)
      return (id, key, key.flatMap { results[$0] })
    }
  }

  /// True while any kernel run for the focused tensor is in flight or its load/fit is.
  public var isComputing: Bool {
    if case .loading = tensorStatus { return true }
    return !inFlight.isEmpty || survey != nil
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
  /// The format, group and scaling to measure (nil: ν only).
  public let format: String?
  public let group: GroupSetting
  public let scale: ScaleMode
}

extension State {
  /// The survey attempt key: a `QuantKey` whose format is empty when only ν is wanted.
  func surveyAttempt(_ name: String, format: String?) -> QuantKey {
    QuantKey(tensor: name, format: format ?? "", group: group, scale: scale)
  }

  /// The SQNR sorting by error uses for a tensor: the focused format with the current group and
  /// scaling, exact when computed, else the survey's estimate.
  public func sortingSQNR(_ name: String) -> Double? {
    let key = QuantKey(tensor: name, format: effectiveFormat(focusedFormat), group: group, scale: scale)
    if case .done(let result)? = results[key] { return result.sqnrDB }
    return surveyedSQNR[key]
  }

  /// ν for sorting: the full fit when known, else the survey's.
  public func sortingNu(_ name: String) -> Double? { fits[name]?.nu ?? surveyedNu[name] }
}
