import Fits
import Formats
import Kernels
import Parallel
import TensorIO

/// Computes a report, one tensor at a time: fit, then every format. Memory stays bounded by one
/// tensor's working set (the model stays memory-mapped; nothing is copied whole).
public struct ReportRunner: Sendable {
  public let model: Model
  public let formats: [FormatSpec]
  public let settings: QuantizationSettings
  public let shard: ShardPlan?
  /// Fit large tensors on all elements (`TensorFits.fit`) instead of their deterministic subsample
  /// (`TensorFits.sampledFit`, the default: a report's fit columns need no full pass).
  public let exactFits: Bool
  /// The width of a codebook format's group scale in `bpw`.
  public let scaleBits: Int
  /// Applied to every tensor before its fit and formats (`--rotate`).
  public let rotation: Rotation
  /// An importance matrix: every row also gets `imatrix_sqnr_db`.
  public var importance: ImportanceMatrix?
  /// Activation samples: every row also gets `output_rel_err` and `output_sqnr_db`.
  public var activations: ActivationFile?

  /// The optional metric columns this run writes.
  public var extras: ReportExtras {
    (importance == nil ? ReportExtras() : .importance).union(activations == nil ? ReportExtras() : .output)
  }

  public init(
    model: Model, formats: [FormatSpec], settings: QuantizationSettings, shard: ShardPlan?, exactFits: Bool = false,
    scaleBits: Int = BitsPerWeight.defaultScaleBits, rotation: Rotation = .none
  ) {
    self.scaleBits = scaleBits
    self.rotation = rotation
    self.model = model
    self.formats = formats
    self.settings = settings
    self.shard = shard
    self.exactFits = exactFits
  }

  /// Positions (into `model.tensors`) of this run's tensors: the shard's run of them, or all.
  public var positions: Range<Int> {
    guard let shard else { return model.tensors.indices }
    return shard.positions(elementCounts: model.tensors.map(\.count))
  }

  /// Bytes of tensor data this run reads (for progress and throughput).
  public var totalBytes: Int { positions.reduce(0) { $0 + model.tensors[$1].byteCount } }

  /// Runs the report. `onTensor` gets each tensor's rows as soon as they exist (for streaming
  /// output and progress) with the bytes done so far; tensors that are not analysable give none.
  public func run(onTensor: (_ rows: [ReportRow], _ bytesDone: Int) throws -> Void = { _, _ in }) throws
    -> ReportDocument
  {
    var rows: [ReportRow] = []
    var bytesDone = 0
    for position in positions {
      let tensor = model.tensor(at: position)
      try tensor.checkFileUnchanged()
      let tensorRows = try rowsFor(rotation.apply(to: tensor))
      tensor.releaseResidentPages()
      rows += tensorRows
      bytesDone += tensor.info.byteCount
      try onTensor(tensorRows, bytesDone)
    }
    return ReportDocument(
      model: model.path, modelFingerprint: ModelFingerprint.of(model.tensors), modelTensors: model.tensors.count,
      settings: ReportSettings(
        formats: formats.map(\.id), group: settings.group.description, scaleMode: settings.scale.rawValue,
        rotation: rotation.description, scaleBits: scaleBits),
      shard: shard?.shard, rows: rows)
  }

  /// One row per format for `tensor`, by the rule `quant` shares (a dtype tscope does not analyse
  /// gets rows without numbers that say why: nothing is dropped silently).
  func rowsFor(_ tensor: Tensor) throws -> [ReportRow] {
    var maker = TensorRows(
      formats: formats, settings: settings, exactFits: exactFits, fitsEveryTensor: true, scaleBits: scaleBits)
    maker.importance = importance
    maker.activations = activations
    return try maker.rows(for: tensor).map(\.reportFields)
  }
}
