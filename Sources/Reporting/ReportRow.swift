import TensorIO

/// One row of `quant` and `report`: one tensor × one format (SPEC §2, §8), made by `TensorRows`.
///
/// `group` and `scaleMode` are what the format ran with: the block size and `absmax` for MXFP4 and
/// NVFP4, whatever was asked. Numbers that do not exist (a fit that could not be made, an SQNR
/// without error, `sf4@fit` without a ν, a dtype that is not analysed) are nil — an empty cell in
/// CSV, `null` in JSON — and `reason` says why.
///
/// `nu` is the tensor's fitted t ν (a fit column, the same in every row of a tensor); `format_nu`
/// is the ν of the SF codebook the row ran (`sf4`: 5, `sf4@2.7`: 2.7, `sf4@fit`: the fitted ν).
/// `clip_ratio` is what the scale used (1 for absmax, the chosen ratio for `--scale mse`);
/// `supernormal_value` the value on the spare −0 code (`e2m1-sr`: 8, `ID+auto`: the value found).
public struct ReportRow: Codable, Equatable, Sendable {
  public var name: String
  public var format: String
  /// As `--group` takes it: `tensor`, `channel` or an element count (always a JSON string).
  public var group: String
  public var scaleMode: String
  public var count: Int
  public var nu: Double?
  public var tScale: Double?
  public var normalStd: Double?
  public var bestFit: String?
  public var mse: Double?
  public var sqnrDB: Double?
  public var maxAbsError: Double?
  public var relativeL2: Double?
  /// Why a number of this row is missing; nil when none is.
  public var reason: String?
  /// Elements per codebook value (`quant`; reports leave it out).
  public var codeUsage: [Int]?
  /// The format's display name as run (`SF4 (ν=5.21, fit)`, `E2M1+2.5` for `e2m1+auto`), for tables.
  public var formatName: String?
  /// The clip ratio the scale used (1 for absmax; the chosen ratio for `--scale mse`).
  public var clipRatio: Double?
  /// The supernormal value the format used; nil for formats without one.
  public var supernormalValue: Double?
  /// The ν of the SF(ν) codebook the row ran; nil for other formats.
  public var formatNu: Double?
  /// Bits a deployment stores per weight: elements plus scales (Kernels' `BitsPerWeight`).
  public var bitsPerWeight: Double?
  /// The tensor's layer type (`attn_q`, `mlp_down`, …; TensorIO's `LayerType` raw value).
  public var layerType: String
  /// The importance-weighted SQNR (`--imatrix`): 10·log10(Σ a_j w² / Σ a_j (w − ŵ)²).
  public var imatrixSQNRDB: Double?
  /// ‖X·Wᵀ − X·Ŵᵀ‖_F / ‖X·Wᵀ‖_F on activation samples X (`--activations`).
  public var outputRelativeError: Double?
  /// 10·log10(‖X·Wᵀ‖² / ‖X·(W − Ŵ)ᵀ‖²) on the same samples.
  public var outputSQNRDB: Double?
  /// Which optional metric columns the run measured: their fields are written (null when
  /// missing) only then, so a run without them keeps the plain columns.
  public var extras: ReportExtras = []
  /// `lloyd`'s SQNR minus this row's (dB): how far the format is from the best 16-value
  /// codebook under the same scaling. Nil unless `lloyd` is among the formats.
  public var optGapDB: Double?

  public init(
    name: String, format: String, group: String, scaleMode: String, count: Int,
    nu: Double?, tScale: Double?, normalStd: Double?, bestFit: String?,
    mse: Double?, sqnrDB: Double?, maxAbsError: Double?, relativeL2: Double?, reason: String? = nil,
    codeUsage: [Int]? = nil, formatName: String? = nil, clipRatio: Double? = nil,
    supernormalValue: Double? = nil, formatNu: Double? = nil, bitsPerWeight: Double? = nil,
    layerType: String? = nil, optGapDB: Double? = nil
  ) {
    self.name = name
    self.format = format
    self.group = group
    self.scaleMode = scaleMode
    self.count = count
    self.nu = nu.finiteOrNil
    self.tScale = tScale.finiteOrNil
    self.normalStd = normalStd.finiteOrNil
    self.bestFit = bestFit
    self.mse = mse.finiteOrNil
    self.sqnrDB = sqnrDB.finiteOrNil
    self.maxAbsError = maxAbsError.finiteOrNil
    self.relativeL2 = relativeL2.finiteOrNil
    self.reason = reason
    self.codeUsage = codeUsage
    self.formatName = formatName
    self.clipRatio = clipRatio.finiteOrNil
    self.supernormalValue = supernormalValue.finiteOrNil
    self.formatNu = formatNu.finiteOrNil
    self.bitsPerWeight = bitsPerWeight.finiteOrNil
    self.layerType = layerType ?? LayerType(tensorName: name).rawValue
    self.optGapDB = optGapDB.finiteOrNil
  }

  /// The report's CSV columns, in SPEC order; also its JSON field names.
  public static let columns = [
    "name", "format", "group", "scale_mode", "count", "nu", "t_scale", "normal_std", "best_fit",
    "mse", "sqnr_db", "max_abs_err", "rel_l2", "clip_ratio", "supernormal_value", "format_nu", "bpw", "layer_type",
    "opt_gap_db",
    "reason",
  ]

  enum CodingKeys: String, CodingKey {
    case name, format, group, count, nu, mse, reason
    case scaleMode = "scale_mode"
    case tScale = "t_scale"
    case normalStd = "normal_std"
    case bestFit = "best_fit"
    case sqnrDB = "sqnr_db"
    case maxAbsError = "max_abs_err"
    case relativeL2 = "rel_l2"
    case clipRatio = "clip_ratio"
    case supernormalValue = "supernormal_value"
    case formatNu = "format_nu"
    case bitsPerWeight = "bpw"
    case layerType = "layer_type"
    case optGapDB = "opt_gap_db"
    case imatrixSQNRDB = "imatrix_sqnr_db"
    case outputRelativeError = "output_rel_err"
    case outputSQNRDB = "output_sqnr_db"
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      name: try container.decode(String.self, forKey: .name),
      format: try container.decode(String.self, forKey: .format),
      group: try container.decode(String.self, forKey: .group),
      scaleMode: try container.decode(String.self, forKey: .scaleMode),
      count: try container.decode(Int.self, forKey: .count),
      nu: try container.decodeIfPresent(Double.self, forKey: .nu),
      tScale: try container.decodeIfPresent(Double.self, forKey: .tScale),
      normalStd: try container.decodeIfPresent(Double.self, forKey: .normalStd),
      bestFit: try container.decodeIfPresent(String.self, forKey: .bestFit),
      mse: try container.decodeIfPresent(Double.self, forKey: .mse),
      sqnrDB: try container.decodeIfPresent(Double.self, forKey: .sqnrDB),
      maxAbsError: try container.decodeIfPresent(Double.self, forKey: .maxAbsError),
      relativeL2: try container.decodeIfPresent(Double.self, forKey: .relativeL2),
      reason: try container.decodeIfPresent(String.self, forKey: .reason),
      clipRatio: try container.decodeIfPresent(Double.self, forKey: .clipRatio),
      supernormalValue: try container.decodeIfPresent(Double.self, forKey: .supernormalValue),
      formatNu: try container.decodeIfPresent(Double.self, forKey: .formatNu),
      bitsPerWeight: try container.decodeIfPresent(Double.self, forKey: .bitsPerWeight),
      layerType: try container.decodeIfPresent(String.self, forKey: .layerType),
      optGapDB: try container.decodeIfPresent(Double.self, forKey: .optGapDB))
    // A present key (even null) says the run measured that metric.
    if container.contains(.imatrixSQNRDB) {
      extras.insert(.importance)
      imatrixSQNRDB = try container.decodeIfPresent(Double.self, forKey: .imatrixSQNRDB)
    }
    if container.contains(.outputRelativeError) {
      extras.insert(.output)
      outputRelativeError = try container.decodeIfPresent(Double.self, forKey: .outputRelativeError)
      outputSQNRDB = try container.decodeIfPresent(Double.self, forKey: .outputSQNRDB)
    }
  }

  // Encode nil as an explicit null, so every row has every field (stable for pipelines). The
  // table-only fields (code usage, display name) are not part of a report file.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(name, forKey: .name)
    try container.encode(format, forKey: .format)
    try container.encode(group, forKey: .group)
    try container.encode(scaleMode, forKey: .scaleMode)
    try container.encode(count, forKey: .count)
    try container.encode(nu, forKey: .nu)
    try container.encode(tScale, forKey: .tScale)
    try container.encode(normalStd, forKey: .normalStd)
    try container.encode(bestFit, forKey: .bestFit)
    try container.encode(mse, forKey: .mse)
    try container.encode(sqnrDB, forKey: .sqnrDB)
    try container.encode(maxAbsError, forKey: .maxAbsError)
    try container.encode(relativeL2, forKey: .relativeL2)
    try container.encode(clipRatio, forKey: .clipRatio)
    try container.encode(supernormalValue, forKey: .supernormalValue)
    try container.encode(formatNu, forKey: .formatNu)
    try container.encode(bitsPerWeight, forKey: .bitsPerWeight)
    try container.encode(layerType, forKey: .layerType)
    try container.encode(optGapDB, forKey: .optGapDB)
    if extras.contains(.importance) { try container.encode(imatrixSQNRDB.finiteOrNil, forKey: .imatrixSQNRDB) }
    if extras.contains(.output) {
      try container.encode(outputRelativeError.finiteOrNil, forKey: .outputRelativeError)
      try container.encode(outputSQNRDB.finiteOrNil, forKey: .outputSQNRDB)
    }
    try container.encode(reason, forKey: .reason)
  }

  /// The columns of a run that measured `extras`: the optional metric columns go before `reason`.
  public static func columns(extras: ReportExtras) -> [String] {
    Array(columns.dropLast()) + extras.columns + ["reason"]
  }

  /// The row's cells as text, in `columns(extras:)` order for its own extras (empty where nil).
  public var cells: [String] {
    [
      name, format, group, scaleMode, String(count), nu.cellText, tScale.cellText, normalStd.cellText,
      bestFit ?? "", mse.cellText, sqnrDB.cellText, maxAbsError.cellText, relativeL2.cellText,
      clipRatio.cellText, supernormalValue.cellText, formatNu.cellText, bitsPerWeight.cellText, layerType,
      optGapDB.cellText,
    ] + extraValues(extras).map(\.cellText) + [reason ?? ""]
  }

  /// The optional metrics of `extras`, in column order.
  public func extraValues(_ extras: ReportExtras) -> [Double?] {
    (extras.contains(.importance) ? [imatrixSQNRDB.finiteOrNil] : [])
      + (extras.contains(.output) ? [outputRelativeError.finiteOrNil, outputSQNRDB.finiteOrNil] : [])
  }

  /// `quant --json`'s object: `{"name","format","group","scale_mode","count","nu","mse","sqnr_db",
  /// "max_abs_err","rel_l2","clip_ratio","supernormal_value","format_nu","bpw","layer_type","opt_gap_db",
  /// "code_usage","reason"}` in
  /// that order.
  public var quantJSON: String {
    JSONText.object(
      [
        ("name", JSONText.string(name)),
        ("format", JSONText.string(format)),
        ("group", JSONText.string(group)),
        ("scale_mode", JSONText.string(scaleMode)),
        ("count", String(count)),
        ("nu", JSONText.number(nu)),
        ("mse", JSONText.number(mse)),
        ("sqnr_db", JSONText.number(sqnrDB)),
        ("max_abs_err", JSONText.number(maxAbsError)),
        ("rel_l2", JSONText.number(relativeL2)),
        ("clip_ratio", JSONText.number(clipRatio)),
        ("supernormal_value", JSONText.number(supernormalValue)),
        ("format_nu", JSONText.number(formatNu)),
        ("bpw", JSONText.number(bitsPerWeight)),
        ("layer_type", JSONText.string(layerType)),
        ("opt_gap_db", JSONText.number(optGapDB)),
      ] + zip(extras.columns, extraValues(extras)).map { ($0, JSONText.number($1)) } + [
        ("code_usage", codeUsage.map { JSONText.array($0.map(String.init)) } ?? "null"),
        ("reason", JSONText.string(reason)),
      ])
  }

  /// The row as a report file holds it: without the table-only fields.
  public var reportFields: ReportRow {
    var row = self
    row.codeUsage = nil
    row.formatName = nil
    return row
  }
}

extension Optional where Wrapped == Double {
  /// Non-finite values become nil: JSON has no Inf/NaN, and they are not results.
  var finiteOrNil: Double? {
    guard let value = self, value.isFinite else { return nil }
    return value
  }

  /// Shortest round-tripping text (the same digits JSON gets), or empty.
  var cellText: String { self.map(NumberText.roundTrip) ?? "" }
}
