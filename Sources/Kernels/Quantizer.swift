import CKernels
import Formats
import Parallel
import TensorIO

/// The kernel module's entry point: what a format costs a tensor (SPEC §4).
///
/// Every function takes a cancellation check, polled before each piece of work (about 256K
/// elements), and throws `Cancelled` once it returns true: the TUI cancels a stale
/// computation this way. Work runs on all cores; each call blocks its caller until done.
public enum Quantizer {
  /// Metrics for `format` on `tensor`. F32/F16/BF16 are read in place, other analysable dtypes
  /// decoded piece by piece; a dtype that is not analysable (`DType.isAnalysable`) reads as
  /// no elements (finiteCount 0).
  public static func measure(
    _ tensor: Tensor, format: QuantFormat, settings: QuantizationSettings = QuantizationSettings(),
    isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> QuantizationMetrics {
    let source = RowSource(tensor: tensor, rows: settings.rows, threads: settings.threads)
    let plan = try KernelPlan(source: source, format: format, settings: settings, isCancelled: isCancelled)
    let totals = try plan.run(clip: plan.bestClip(isCancelled: isCancelled), output: nil, isCancelled: isCancelled)
    return totals.metrics(plan: plan)
  }

  /// Metrics for several formats on `tensor`, each equal to `measure(_:format:settings:isCancelled:)`
  /// bit for bit, from one pass over the data: every piece (~256K elements) is rounded to every
  /// format while it is in cache, so N formats cost about one read of the tensor, not N. Formats
  /// with `--scale mse` first search their clip ratio in a pass of their own.
  public static func measure(
    _ tensor: Tensor, formats: [QuantFormat], settings: QuantizationSettings = QuantizationSettings(),
    isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> [QuantizationMetrics] {
    let (plans, clips) = try preparedPlans(tensor, formats: formats, settings: settings, isCancelled: isCancelled)
    let totals = try KernelPlan.runTogether(plans, clips: clips, isCancelled: isCancelled)
    return zip(totals, plans).map { $0.metrics(plan: $1) }
  }

  /// One kernel plan per format on `tensor`'s rows, with the clip ratio each runs at (searched
  /// first, in a pass of its own, for `--scale mse`).
  static func preparedPlans(
    _ tensor: Tensor, formats: [QuantFormat], settings: QuantizationSettings, isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> (plans: [KernelPlan], clips: [Float]) {
    let source = RowSource(tensor: tensor, rows: settings.rows, threads: settings.threads)
    var plans: [KernelPlan] = []
    var clips: [Float] = []
    for format in formats {
      let plan = try KernelPlan(source: source, format: format, settings: settings, isCancelled: isCancelled)
      plans.append(plan)
      clips.append(try plan.bestClip(isCancelled: isCancelled))
    }
    return (plans, clips)
  }

  /// Metrics for a format spec: resolves `sf4@fit` with `fittedNu` and searches `ID+auto`'s
  /// value on this tensor (`SupernormalSearch`). Throws `FormatError.needsFittedNu` for
  /// `sf4@fit` without a ν.
  public static func measure(
    _ tensor: Tensor, spec: FormatSpec, fittedNu: Double? = nil,
    settings: QuantizationSettings = QuantizationSettings(),
    isCancelled: @Sendable () -> Bool = { false }
  ) throws -> QuantizationMetrics {
    try measure(
      tensor, format: resolve(spec, for: tensor, fittedNu: fittedNu, settings: settings, isCancelled: isCancelled),
      settings: settings, isCancelled: isCancelled)
  }

  /// The format `spec` stands for on `tensor` (see `measure(_:spec:fittedNu:settings:isCancelled:)`).
  /// `importance` is what the `--imatrix` file holds for the tensor, which `TYPE:imatrix` quantizes
  /// with: `.missing` takes llama-quantize's reference path (`FormatError.noImportanceEntry` for a
  /// type that has none), `.noMatrix` throws `FormatError.needsImportance`.
  public static func resolve(
    _ spec: FormatSpec, for tensor: Tensor, fittedNu: Double? = nil, settings: QuantizationSettings,
    importance: ImatrixEntry = .noMatrix, isCancelled: @Sendable () -> Bool = { false }
  ) throws -> QuantFormat {
    switch spec.kind {
    case .ggmlWithImportance(let type):
      switch importance {
      case .noMatrix: throw FormatError.needsImportance(id: spec.id)
      case .missing where type.requiresImportance: throw FormatError.noImportanceEntry(id: spec.id)
      case .missing: return .ggml(type, importance: .missing)
      case .weights(let weights): return .ggml(type, importance: GGMLImportance(weights))
      }
    case .supernormalAuto(let base):
      return try SupernormalSearch.bestFormat(
        base: base, id: spec.id, tensor: tensor, settings: settings, isCancelled: isCancelled)
    case .lloyd(let levels):
      return try LloydSearch.bestFormat(
        levels: levels, id: spec.id, tensor: tensor, settings: settings, isCancelled: isCancelled)
    case .studentFloatAuto(let bits):
      return try StudentFloatSearch.bestFormat(
        bits: bits, id: spec.id, tensor: tensor, settings: settings, isCancelled: isCancelled)
    default:
      return try spec.resolved(fittedNu: fittedNu)
    }
  }

  /// The dequantized tensor x̂ (row-major, one Float per element; non-finite inputs are kept
  /// as they are). Reads every row whatever `settings.rows` says.
  public static func dequantize(
    _ tensor: Tensor, format: QuantFormat, settings: QuantizationSettings = QuantizationSettings(),
    isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> [Float] {
    var all = settings
    all.rows = .all
    let source = RowSource(tensor: tensor, rows: .all, threads: settings.threads)
    let plan = try KernelPlan(source: source, format: format, settings: all, isCancelled: isCancelled)
    let clip = try plan.bestClip(isCancelled: isCancelled)
    var output = [Float](repeating: 0, count: tensor.count)
    var failure: Cancelled?
    output.withUnsafeMutableBufferPointer { buffer in
      do {
        _ = try plan.run(clip: clip, output: buffer, isCancelled: isCancelled)
      } catch let error as Cancelled {
        failure = error
      } catch {}
    }
    if let failure { throw failure }
    return output
  }
}
