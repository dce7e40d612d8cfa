/// One row of a whole-model report: one analysable tensor × one format (SPEC §2, `report`).
///
/// Fields that do not apply (a fit that could not be made, an SQNR of an all-zero tensor) are nil:
/// an empty cell in CSV, `null` in JSON.
public struct ReportRow: Codable, Equatable, Sendable {
  public var name: String
  public var format: String
  public var group: String
  public var scaleMode: String
  public var count: Int
  public var nu: Double?
  public var tScale: Double?
  public var normalStd: Double?
  public var bestFit: String?
  public var mse: Double?
  public var sqnrDB: Double?
  public var maxAbsErr: Double?
  public var relL2: Double?

  public init(
    name: String, format: String, group: String, scaleMode: String, count: Int,
    nu: Double?, tScale: Double?, normalStd: Double?, bestFit: String?,
    mse: Double?, sqnrDB: Double?, maxAbsErr: Double?, relL2: Double?
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
    self.maxAbsErr = maxAbsErr.finiteOrNil
    self.relL2 = relL2.finiteOrNil
  }

  /// The CSV columns, in SPEC order; also the JSON field names.
  public static let columns = [
    "name", "format", "group", "scale_mode", "count", "nu", "t_scale", "normal_std", "best_fit",
    "mse", "sqnr_db", "max_abs_err", "rel_l2",
  ]

  enum CodingKeys: String, CodingKey {
    case name, format, group, count, nu, mse
    case scaleMode = "scale_mode"
    case tScale = "t_scale"
    case normalStd = "normal_std"
    case bestFit = "best_fit"
    case sqnrDB = "sqnr_db"
    case maxAbsErr = "max_abs_err"
    case relL2 = "rel_l2"
  }

  // Encode nil as an explicit null, so every row has every field (stable for pipelines).
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
    try container.encode(maxAbsErr, forKey: .maxAbsErr)
    try container.encode(relL2, forKey: .relL2)
  }

  /// The row's cells as text, in `columns` order (empty where nil).
  public var cells: [String] {
    [
      name, format, group, scaleMode, String(count), nu.cellText, tScale.cellText, normalStd.cellText,
      bestFit ?? "", mse.cellText, sqnrDB.cellText, maxAbsErr.cellText, relL2.cellText,
    ]
  }
}

extension Optional where Wrapped == Double {
  /// Non-finite values become nil: JSON has no Inf/NaN, and they are not results.
  var finiteOrNil: Double? {
    guard let value = self, value.isFinite else { return nil }
    return value
  }

  /// Shortest round-tripping text (the same digits JSON gets), or empty.
  var cellText: String { self.map { "\($0)" } ?? "" }
}
