/// One entry of the explorer's format catalogue: a base format the user can select, and
/// whether it has supernormal variants (sign-magnitude, symmetric, a single zero: SPEC §3).
public struct FormatChoice: Hashable, Sendable {
  /// The base format id (`e2m1`, `sf4@fit`, …).
  public let id: String
  /// The display name of the base format (the paper's).
  public let name: String
  public let hasSupernormal: Bool

  public init(id: String, name: String, hasSupernormal: Bool) {
    self.id = id
    self.name = name
    self.hasSupernormal = hasSupernormal
  }

  /// The format id the kernel runs for a variant: `e2m1-sr`, `apot4+0.5`, … (SPEC §3).
  public func effectiveID(_ variant: Supernormal) -> String {
    guard hasSupernormal, variant != .none else { return id }
    return FormatAdapter.supernormalID(base: id, variant: variant)
  }

  /// The display name with its variant (`E2M1-SR`).
  public func displayName(_ variant: Supernormal) -> String {
    guard hasSupernormal else { return name }
    switch variant {
    case .none: return name
    case .superRange: return name + "-SR"
    case .superPrecision: return name + "-SP"
    }
  }

  /// The catalogue, in the order `1`–`9` toggle (the first nine) and the picker lists.
  public static let catalogue: [FormatChoice] = [
    FormatChoice(id: "int4", name: "INT4", hasSupernormal: false),
    FormatChoice(id: "nf4", name: "NF4", hasSupernormal: false),
    FormatChoice(id: "sf4", name: "SF4(5)", hasSupernormal: false),
    FormatChoice(id: "sf4@fit", name: "SF4(fit)", hasSupernormal: false),
    FormatChoice(id: "e2m1", name: "E2M1", hasSupernormal: true),
    FormatChoice(id: "e2m1-i", name: "E2M1-I", hasSupernormal: true),
    FormatChoice(id: "e2m1-b", name: "E2M1-B", hasSupernormal: true),
    FormatChoice(id: "apot4", name: "APoT4", hasSupernormal: true),
    FormatChoice(id: "e3m0", name: "E3M0", hasSupernormal: true),
    FormatChoice(id: "e1m2", name: "E1M2", hasSupernormal: true),
    FormatChoice(id: "int4-asym", name: "INT4-asym", hasSupernormal: false),
    FormatChoice(id: "mxfp4", name: "MXFP4", hasSupernormal: false),
    FormatChoice(id: "nvfp4", name: "NVFP4", hasSupernormal: false),
  ]

  /// Selected when the explorer opens: the paper's main comparison.
  public static let defaultSelection: [String] = ["int4", "nf4", "sf4@fit", "e2m1"]
}
