import Kernels

/// Everything that changes the state: keys, terminal events, and results coming back from effects.
public enum Action: Sendable {
  case key(Key)
  /// Opens the model's first analysable tensor (sent once at start).
  case start
  /// A tensor finished loading (decoded, histogrammed). `generation` is the request's.
  case loaded(generation: Int, LoadedTensor)
  /// A tensor could not be loaded or analysed.
  case loadFailed(generation: Int, tensor: String, reason: String)
  case fitted(generation: Int, tensor: String, FitSummary)
  case fitFailed(generation: Int, tensor: String, reason: String)
  /// A kernel run finished (an estimate or the full result).
  case quantized(generation: Int, QuantKey, QuantResult)
  case quantizeFailed(generation: Int, QuantKey, reason: String)
  /// A format that needs the fitted ν was estimated at a quick ν while the fit runs (nil: the
  /// estimate could not be made; the fitted run follows either way).
  case estimatedBeforeFit(generation: Int, QuantKey, QuantResult?)
  /// The survey measured one tensor (ν, and the SQNR of `key` when it measures error).
  case surveyed(generation: Int, tensor: String, nu: Double?, key: QuantKey?, sqnr: Double?)
  case surveyFinished(generation: Int)
  /// The overview measured one tensor: its cells, estimates or exact.
  case overviewMeasured(generation: Int, cells: [QuantKey: OverviewCell])
  case overviewFinished(generation: Int)
  /// A model file changed on disk since it was opened (one line naming it): its tensors can no
  /// longer be read safely, so the status line keeps saying so.
  case fileChanged(String)
  /// The model was opened again from its path (`R`): the new model, or why it could not be.
  case reopened(ModelReference)
  case reopenFailed(String)
  /// The shipped pass of a tensor (`--against`) finished: its error, or why it has none.
  case shippedMeasured(tensor: String, ShippedOutcome)
}

/// Work `update` asks for; the scheduler runs it off the UI thread and answers with actions.
public enum Effect: Hashable, Sendable {
  /// Decode tensor `index` of the model and build its histogram and sample.
  case load(generation: Int, index: Int, rotation: Rotation = .none)
  /// Fit t and normal to the loaded tensor.
  case fit(generation: Int, tensor: LoadedTensorReference)
  /// Run the kernel for `key`; a sampled estimate first when the tensor is large. The scheduler
  /// runs the `quantize` effects of one batch that share a tensor and settings as one
  /// multi-format pass over the tensor (`QuantizationPass`).
  case quantize(generation: Int, key: QuantKey, tensor: LoadedTensorReference, fittedNu: Double?)
  /// Estimate `key` (a format that needs ν) on the row sample at a quick ν from the sample, so
  /// the table shows a number before the fit of a large tensor is done.
  case estimateBeforeFit(generation: Int, key: QuantKey, tensor: LoadedTensorReference)
  /// Cancel every running computation whose key is not in `keep` (and any older load or fit).
  case cancelStale(generation: Int, keep: Set<QuantKey>)
  /// Fit (and measure) every tensor of the request on a small sample, in the background.
  case survey(SurveyRequest)
  case cancelSurvey(generation: Int)
  /// Measure every tensor × format of the request in the background: estimates, then exact.
  case overview(OverviewRequest)
  case cancelOverview(generation: Int)
  /// Open the model again from its path; answered by `reopened` or `reopenFailed`.
  case reopen
  /// Read every later effect from this model (the reopened one): the old model's work is
  /// cancelled and its results are dropped.
  case useModel(ModelReference)
  /// Measure the focused tensor's shipped counterpart against it (`--against`).
  case measureShipped(ShippedRequest)
}

/// A loaded tensor inside an effect (compared by identity, so effects stay `Hashable`).
public struct LoadedTensorReference: Hashable, Sendable {
  public let tensor: LoadedTensor
  public init(_ tensor: LoadedTensor) { self.tensor = tensor }
  public static func == (lhs: Self, rhs: Self) -> Bool { lhs.tensor === rhs.tensor }
  public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(tensor)) }
}
