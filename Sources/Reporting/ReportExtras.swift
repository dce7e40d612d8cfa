/// The optional metric columns a run of `quant` or `report` adds: `imatrix_sqnr_db` with
/// `--imatrix`, `output_rel_err` and `output_sqnr_db` with `--activations`.
public struct ReportExtras: OptionSet, Sendable, Hashable {
  public let rawValue: Int
  public init(rawValue: Int) { self.rawValue = rawValue }

  public static let importance = ReportExtras(rawValue: 1)
  public static let output = ReportExtras(rawValue: 2)

  /// The column names, in order.
  public var columns: [String] {
    (contains(.importance) ? ["imatrix_sqnr_db"] : [])
      + (contains(.output) ? ["output_rel_err", "output_sqnr_db"] : [])
  }

  /// Every extra any of `rows` has.
  public static func of(_ rows: [ReportRow]) -> ReportExtras {
    rows.reduce(into: ReportExtras()) { $0.formUnion($1.extras) }
  }
}
