/// The supernormal variant of a sign-magnitude format (SPEC §3); the explorer's `s` cycles
/// none → super-range → super-precision.
public enum Supernormal: String, Hashable, Sendable, CaseIterable {
  case none, superRange, superPrecision

  public var next: Supernormal {
    switch self {
    case .none: .superRange
    case .superRange: .superPrecision
    case .superPrecision: .none
    }
  }

  /// The short name the explorer's status line shows.
  public var shortName: String {
    switch self {
    case .none: "off"
    case .superRange: "SR"
    case .superPrecision: "SP"
    }
  }

  /// The suffix of a display name (`E2M1-SR`).
  var nameSuffix: String {
    switch self {
    case .none: ""
    case .superRange: "-SR"
    case .superPrecision: "-SP"
    }
  }
}

/// One entry of the explorer's format catalogue: a base format the user can select, with its
/// supernormal variants (when its codebook is symmetric with a single zero: SPEC §3) resolved
/// to specs once, so nothing is parsed while the explorer runs.
///
/// Two choices are equal when their base ids are.
public struct FormatChoice: Hashable, Sendable, CustomStringConvertible {
  /// The base format id (`e2m1`, `sf4@fit`, …).
  public let id: String
  /// The display name of the base format (the paper's: `SF4(fit)`, `E2M1`).
  public let name: String
  /// The spec of each variant; only `.none` for a format without supernormal variants.
  private let variants: [Supernormal: FormatSpec]

  /// A catalogue entry; `id` must parse (a programming error otherwise).
  init(id: String, name: String, hasSupernormal: Bool) {
    self.id = id
    self.name = name
    guard let base = try? FormatSpec.parse(id) else { preconditionFailure("catalogue id \(id) does not parse") }
    var variants: [Supernormal: FormatSpec] = [.none: base]
    if hasSupernormal {
      for variant in [Supernormal.superRange, .superPrecision] {
        let id = Self.supernormalID(base: id, variant: variant)
        guard let spec = try? FormatSpec.parse(id) else { preconditionFailure("variant \(id) does not parse") }
        variants[variant] = spec
      }
    }
    self.variants = variants
  }

  public var description: String { id }

  /// Whether the format has supernormal variants (`s` cycles them).
  public var hasSupernormal: Bool { variants.count > 1 }

  /// The spec the kernel runs for a variant: `e2m1-sr`, `apot4+0.5`, … (SPEC §3).
  public func spec(_ variant: Supernormal = .none) -> FormatSpec {
    variants[variant] ?? variants[.none]!
  }

  /// The display name with its variant (`E2M1-SR`).
  public func displayName(_ variant: Supernormal = .none) -> String {
    hasSupernormal ? name + variant.nameSuffix : name
  }

  public static func == (lhs: FormatChoice, rhs: FormatChoice) -> Bool { lhs.id == rhs.id }
  public func hash(into hasher: inout Hasher) { hasher.combine(id) }

  /// The id of a supernormal variant: the paper's names where they exist (`e2m1-sr`,
  /// `e2m1-sp`, `apot4-sp`), else `ID+VALUE` with super-range one step past the largest value
  /// and super-precision in the middle of the widest gap between positive values.
  public static func supernormalID(base: String, variant: Supernormal) -> String {
    if variant == .none { return base }
    if let alias = FormatCatalog.aliases.first(where: {
      $0.value.base == base && $0.value.name.hasSuffix(variant.nameSuffix)
    }) {
      return alias.key
    }
    guard case .fixed(.codebook(let codebook))? = try? FormatSpec.parse(base).kind else { return base }
    let positives = codebook.values.filter { $0 > 0 }
    guard positives.count >= 2 else { return base }
    let value: Double
    if variant == .superRange {
      value = positives[positives.count - 1] * 2 - positives[positives.count - 2]
    } else {
      var widest = (gap: 0.0, middle: 0.0)
      for (lower, upper) in zip(positives, positives.dropFirst()) where upper - lower > widest.gap + 1e-12 {
        widest = (upper - lower, (upper + lower) / 2)
      }
      value = widest.middle
    }
    return "\(base)+\(FormatCatalog.text(for: value))"
  }

  /// The catalogue, in the order the explorer's `1`–`9` toggle (the first nine) and its picker lists.
  public static let catalogue: [FormatChoice] =
    [
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
    ] + mxForms("mxfp4", "MXFP4") + [FormatChoice(id: "nvfp4", name: "NVFP4", hasSupernormal: false)]
    + mxForms("mxfp8-e4m3", "MXFP8 E4M3") + mxForms("mxfp8-e5m2", "MXFP8 E5M2")
    + mxForms("mxfp6-e2m3", "MXFP6 E2M3") + mxForms("mxfp6-e3m2", "MXFP6 E3M2") + mxForms("mxint8", "MXINT8") + [
      FormatChoice(id: "nvfp4-46", name: "NVFP4 4/6", hasSupernormal: false),
      FormatChoice(id: "nvint4", name: "NVINT4", hasSupernormal: false),
      FormatChoice(id: "if4", name: "IF4", hasSupernormal: false),
    ]
    + GGMLFormat.allCases.flatMap(ggmlForms) + [
      // Resolved on each tensor: the optimal 16-value codebook (the reference for `Δ opt`) and SF4
      // at the ν with the least MSE.
      FormatChoice(id: "lloyd", name: "Lloyd16", hasSupernormal: false),
      FormatChoice(id: "sf4@auto", name: "SF4(auto)", hasSupernormal: false),
    ]

  /// An MX format under each scale rule, the spec's `floor` first: `mxfp4`, `mxfp4:rceil`
  /// (`MXFP4 rceil`), `mxfp4:even`; the picker lists the other rules under the floor form.
  private static func mxForms(_ id: String, _ name: String) -> [FormatChoice] {
    [FormatChoice(id: id, name: name, hasSupernormal: false)]
      + [MXScaleRule.rceil, .even].map {
        FormatChoice(id: "\(id):\($0.rawValue)", name: "\(name) \($0.rawValue)", hasSupernormal: false)
      }
  }

  /// A llama.cpp type from llama-quantize's reference path, then (but Q8_0, MXFP4, NVFP4, the TQ
  /// types, Q1_0 and Q2_0, which have no other) its imatrix path (`q4_k:imatrix`, `Q4_K imatrix`), which the picker lists under it; a type
  /// made only with an imatrix (IQ2_XXS) by its imatrix path alone.
  private static func ggmlForms(_ type: GGMLFormat) -> [FormatChoice] {
    (type.requiresImportance ? [] : [FormatChoice(id: type.id, name: type.name, hasSupernormal: false)])
      + (!type.hasImatrixPath
        ? []
        : [
          FormatChoice(
            id: "\(type.id):\(GGMLImportance.suffix)", name: "\(type.name) \(GGMLImportance.suffix)",
            hasSupernormal: false)
        ])
  }

  /// The scale rule of an MX format's `rceil` or `even` form (the picker lists it under the
  /// `floor` form, by the rule's name alone); nil for every other format.
  public var scaleRuleForm: MXScaleRule? {
    guard case .fixed(.mx(let format)) = spec().kind, format.rule != .floor else { return nil }
    return format.rule
  }

  /// What the picker shows of a form listed under its base format (by this alone, indented): an MX
  /// format's scale rule, `imatrix` for a llama.cpp type's imatrix path; nil for a base format, and
  /// for the imatrix path of a type that has no other (listed by its whole name).
  public var formLabel: String? {
    if let rule = scaleRuleForm { return rule.rawValue }
    guard case .ggmlWithImportance(let type) = spec().kind, !type.requiresImportance else { return nil }
    return GGMLImportance.suffix
  }

  /// The catalogue entry with base id `id`.
  public static func named(_ id: String) -> FormatChoice? { catalogue.first { $0.id == id } }

  /// Selected when the explorer opens: the paper's main comparison.
  public static var defaultSelection: [FormatChoice] { ["int4", "nf4", "sf4@fit", "e2m1"].compactMap(named) }
}

extension FormatSpec {
  /// Whether the format is resolved with the tensor's fitted ν (`sf4@fit`, `sf3@fit`).
  public var needsFittedNu: Bool {
    switch kind {
    case .studentFloatAtFittedNu, .lloydAtFittedNu: true
    default: false
    }
  }
}

extension QuantFormat {
  /// The value a group's amax maps onto: a codebook's `fullScale` (7 for INT4, whose scale is
  /// amax/7 although −8 is a code), 15 for INT4-asym's codes, 6 for the E2M1 block formats.
  public var fullScale: Double {
    switch self {
    case .codebook(let codebook): codebook.fullScale
    case .int4Asymmetric: 15
    case .mxfp4, .nvfp4: 6
    case .mx(let format): format.element.maxNormal
    case .nvfp4Variant(let variant): variant.fullScale
    case .ggml(let type, _): type.fullScale
    }
  }

  /// Why `values` have no fixed places on the value axis once scaled (the histogram says so
  /// instead of drawing them), or nil when they do: INT4-asym's codes shift with each group's zero
  /// point, Q4_1/Q5_1's with each block's minimum, and Q4_0/Q5_0's d takes the sign of the block's
  /// largest element, mirroring the codes (Q8_0's d is positive: its codes stay in place); the
  /// K-quants' codes follow each sub-block's own scale (and minimum).
  public var unplacedValuesReason: String? {
    switch self {
    case .int4Asymmetric: "codes shift with each group's zero point"
    case .ggml(let type, _) where type.isIQ4: "codes scale and mirror with each block's searched scale"
    case .ggml(let type, _) where type.isLattice: "codes scale with each block's searched scale"
    case .ggml(let type, _) where type.isFP4: "codes index ggml's values (E2M1 doubled) under each block's scale"
    case .ggml(let type, _) where type.isTernary: "codes scale with each super-block's amax"
    case .ggml(.q1_0, _): "codes scale with each block's mean |x|"
    case .ggml(.q2_0, _): "codes scale with each block's amax"
    case .ggml(let type, _) where type.isKQuant && type.hasMinimum:
      "codes scale and shift with each sub-block's scale and minimum"
    case .ggml(let type, _) where type.isKQuant: "codes scale and mirror with each sub-block's signed scale"
    case .ggml(let type, _) where type.hasMinimum: "codes shift with each block's minimum"
    case .ggml(.q4_0, _), .ggml(.q5_0, _): "codes mirror with the sign of each block's scale"
    default: nil
    }
  }

  /// Whether `values` have fixed places on the value axis once scaled.
  public var hasFixedValuePositions: Bool { unplacedValuesReason == nil }
}
