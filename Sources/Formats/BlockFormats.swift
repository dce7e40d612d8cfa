import Foundation

/// The element types of the OCP Microscaling (MX) v1.0 family: each block of 32 elements shares
/// one E8M0 (power-of-two) scale.
public enum MXElement: String, Sendable, Hashable, CaseIterable {
  case fp8E4M3 = "mxfp8-e4m3"
  case fp8E5M2 = "mxfp8-e5m2"
  case fp6E2M3 = "mxfp6-e2m3"
  case fp6E3M2 = "mxfp6-e3m2"
  case fp4E2M1 = "mxfp4"
  case int8 = "mxint8"

  /// The format id (`mxfp8-e4m3`, …, `mxint8`).
  public var id: String { rawValue }

  public var name: String {
    switch self {
    case .fp8E4M3: "MXFP8 E4M3"
    case .fp8E5M2: "MXFP8 E5M2"
    case .fp6E2M3: "MXFP6 E2M3"
    case .fp6E3M2: "MXFP6 E3M2"
    case .fp4E2M1: "MXFP4"
    case .int8: "MXINT8"
    }
  }

  public var bits: Int {
    switch self {
    case .fp8E4M3, .fp8E5M2, .int8: 8
    case .fp6E2M3, .fp6E3M2: 6
    case .fp4E2M1: 4
    }
  }

  /// Exponent bits (0 for MXINT8, a fixed-point element).
  public var exponentBits: Int {
    switch self {
    case .fp8E4M3: 4
    case .fp8E5M2: 5
    case .fp6E2M3, .fp4E2M1: 2
    case .fp6E3M2: 3
    case .int8: 0
    }
  }

  /// Fraction bits: the stored mantissa bits of a float; 6 for MXINT8 (1.xxxxxx, scale 2^-6).
  public var mantissaBits: Int {
    switch self {
    case .fp8E4M3, .fp6E2M3: 3
    case .fp8E5M2, .fp6E3M2: 2
    case .fp4E2M1: 1
    case .int8: 6
    }
  }

  /// The exponent of the largest power of two the element holds (the spec's emax_elem).
  public var emax: Int {
    switch self {
    case .fp8E4M3: 8
    case .fp8E5M2: 15
    case .fp6E2M3, .fp4E2M1: 2
    case .fp6E3M2: 4
    case .int8: 0
    }
  }

  /// The largest finite magnitude: elements saturate there.
  public var maxNormal: Double {
    switch self {
    case .fp8E4M3: 448
    case .fp8E5M2: 57344
    case .fp6E2M3: 7.5
    case .fp6E3M2: 28
    case .fp4E2M1: 6
    case .int8: 127.0 / 64
    }
  }

  /// The smallest normal exponent, 1 − bias (unused for MXINT8).
  public var minExponent: Int { 2 - (1 << (exponentBits - 1)) }

  /// The non-negative finite values, ascending, one zero: for a float every bit pattern of
  /// exponent and mantissa up to `maxNormal` (E4M3's all-ones pattern is NaN, E5M2's top
  /// exponent Inf/NaN); for MXINT8 k/64, k = 0…127 (−128 is not used: the grid is symmetric).
  public var magnitudes: [Double] {
    if exponentBits == 0 { return (0...127).map { Double($0) / 64 } }
    var values: [Double] = []
    let steps = 1 << mantissaBits
    for exponentField in 0..<(1 << exponentBits) {
      for mantissa in 0..<steps {
        let fraction = Double(mantissa) / Double(steps)
        let value =
          exponentField == 0
          ? fraction * pow2(minExponent)
          : (1 + fraction) * pow2(exponentField - 1 + minExponent)
        if value <= maxNormal { values.append(value) }
      }
    }
    return values
  }

  /// −max…max with one zero.
  public var signedValues: [Double] {
    let magnitudes = magnitudes
    return magnitudes.dropFirst().reversed().map { -$0 } + magnitudes
  }
}

/// How an MX block's shared exponent follows from its amax.
public enum MXScaleRule: String, Sendable, Hashable, CaseIterable {
  /// OCP MX v1.0 §6.3: floor(log2 amax) − emax_elem; a block may saturate at the element max.
  case floor
  /// cuBLAS and torchao `ScaleCalculationMode.RCEIL`: ceil(log2(amax / max_elem)); nothing saturates.
  case rceil
  /// torchao `ScaleCalculationMode.EVEN`: amax first rounded to the element's mantissa bits
  /// (ties up), then floor(log2) − emax_elem.
  case even
}

/// One MX format: an element type under a scale rule (`mxfp8-e4m3`, `mxfp4:rceil`).
public struct MXFormat: Sendable, Hashable {
  public let element: MXElement
  public let rule: MXScaleRule

  public init(element: MXElement, rule: MXScaleRule = .floor) {
    self.element = element
    self.rule = rule
  }

  /// `mxfp8-e4m3` for the default rule, `mxfp8-e4m3:rceil` otherwise.
  public var id: String { rule == .floor ? element.id : "\(element.id):\(rule.rawValue)" }

  public var name: String { rule == .floor ? element.name : "\(element.name) \(rule.rawValue)" }

  /// The elements of one block.
  public static let blockSize = 32

  /// Parses `ID` or `ID:RULE` for an MX element id; nil when `text` names no MX format.
  /// Throws for a known element with an unknown rule.
  static func parse(_ text: String) throws(FormatError) -> MXFormat? {
    let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
    guard let element = MXElement(rawValue: String(parts[0])) else { return nil }
    guard parts.count == 2 else { return MXFormat(element: element) }
    guard let rule = MXScaleRule(rawValue: String(parts[1])) else {
      throw .unknownScaleRule(id: text, rule: String(parts[1]))
    }
    return MXFormat(element: element, rule: rule)
  }
}

/// The NVFP4 variants of mit-han-lab/fouroversix (reference: src/fouroversix/quantize/pytorch/
/// reference.py at commit dadfad6901d473a734fe71e0b082e70ee993e23a). All keep NVFP4's blocks of
/// 16 with E4M3 block scales under an F32 tensor scale.
public enum NVFP4Variant: String, Sendable, Hashable, CaseIterable {
  /// "Four Over Six": each block is scaled onto 6 and onto 4 and keeps the one with the smaller
  /// squared error; the tensor scale is amax/(6·256), leaving E4M3 room for the ×1.5 of the 4.
  case fourOverSix = "nvfp4-46"
  /// INT4 elements −7…7: tensor scale amax/(7·448), block amax onto 7.
  case int4 = "nvint4"
  /// IF4: per block E2M1 or INT4 (×6/7), whichever has the smaller squared error (the
  /// reference's `select_intfloat`); tensor scale amax/(6·448).
  case intFloat = "if4"

  public var id: String { rawValue }

  public var name: String {
    switch self {
    case .fourOverSix: "NVFP4 4/6"
    case .int4: "NVINT4"
    case .intFloat: "IF4"
    }
  }

  /// The values `code_usage` counts: E2M1 for 4/6, −7…7 for NVINT4, and for IF4 the union of
  /// E2M1 and INT4·6/7 (the INT4 grid in E2M1 units: ±6 and 0 are shared).
  public var values: [Double] {
    switch self {
    case .fourOverSix: E2M1.signedValues
    case .int4: (-7...7).map(Double.init)
    case .intFloat: Self.intFloatMagnitudes.dropFirst().reversed().map { -$0 } + Self.intFloatMagnitudes
    }
  }

  /// The value a block's amax maps onto (before the variant's choice).
  public var fullScale: Double { self == .int4 ? 7 : 6 }

  /// IF4's non-negative values: E2M1's and k·6/7, k = 0…7, merged (14 values).
  public static let intFloatMagnitudes: [Double] = {
    var merged = E2M1.magnitudes
    for k in 1...7 where k != 7 { merged.append(Double(k) * 6 / 7) }
    return merged.sorted()
  }()

  /// The elements of one block.
  public static let blockSize = 16
}

private func pow2(_ exponent: Int) -> Double { Double(sign: .plus, exponent: exponent, significand: 1) }

/// llama.cpp's block types as formats to try on any tensor, as llama-quantize writes them for a
/// tensor without an imatrix entry (ggml-quants.c's reference `quantize_row_*_ref`).
///
/// - The legacy types: blocks of 32 along the row, each with an FP16 scale d. Q4_0, Q5_0 and Q8_0
///   are symmetric (d from the block's largest-magnitude element, with its sign for the 4- and
///   5-bit ones); Q4_1 and Q5_1 add an FP16 minimum m.
/// - The K-quants: super-blocks of 256 with an FP16 d (and dmin), split into sub-blocks of 16
///   (Q2_K, Q3_K, Q6_K) or 32 (Q4_K, Q5_K) whose scales (and minimums) are searched per sub-block
///   and stored in 4, 6 or 8 bits.
///
/// - IQ4_NL and IQ4_XS: ggml's non-linear 16 values (−127 … 113) under a searched scale per block
///   of 32 (IQ4_XS: coded in 6 bits under an FP16 d per 256).
/// - The lattice types IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ1_S and IQ1_M: groups of 8 (IQ3: 4)
///   elements take the nearest point of ggml's grid (256 to 2048 points) with a sign pattern, under
///   a searched scale per block of 16 or 32 and an FP16 d per 256 (`quantize_row_<type>_impl`).
///   IQ2_XXS, IQ2_XS and IQ1_S exist only with an imatrix (`requiresImportance`).
/// - llama.cpp's MXFP4 and NVFP4 (`mxfp4:ggml`, `nvfp4:ggml`, beside tscope's OCP `mxfp4` and
///   NVIDIA's two-level `nvfp4`): ties to the smaller magnitude; NVFP4's UE4M3 scale per 16 with no
///   tensor scale. The ternary TQ1_0 and TQ2_0: d = the super-block's amax, codes −1, 0, 1. Q1_0:
///   each element's sign under the block's mean |x| (blocks of 128); Q2_0: −1, 0, 1, 2 under its amax.
public enum GGMLFormat: String, Sendable, Hashable, CaseIterable {
  case q4_0 = "q4_0"
  case q4_1 = "q4_1"
  case q5_0 = "q5_0"
  case q5_1 = "q5_1"
  case q8_0 = "q8_0"
  case q2_k = "q2_k"
  case q3_k = "q3_k"
  case q4_k = "q4_k"
  case q5_k = "q5_k"
  case q6_k = "q6_k"
  case iq4_nl = "iq4_nl"
  case iq4_xs = "iq4_xs"
  case iq2_xxs = "iq2_xxs"
  case iq2_xs = "iq2_xs"
  case iq2_s = "iq2_s"
  case iq3_xxs = "iq3_xxs"
  case iq3_s = "iq3_s"
  case iq1_s = "iq1_s"
  case iq1_m = "iq1_m"
  case mxfp4 = "mxfp4"
  case nvfp4 = "nvfp4"
  case tq1_0 = "tq1_0"
  case tq2_0 = "tq2_0"
  case q1_0 = "q1_0"
  case q2_0 = "q2_0"

  /// The format id: ggml's type name in lower case (`q4_k`); `mxfp4:ggml` and `nvfp4:ggml` for the
  /// two whose plain names are tscope's OCP and NVIDIA formats.
  public var id: String { self == .mxfp4 || self == .nvfp4 ? "\(rawValue):ggml" : rawValue }

  /// ggml's type name (`Q4_0`, `Q4_K`); `MXFP4 ggml` and `NVFP4 ggml` beside tscope's own.
  public var name: String { self == .mxfp4 || self == .nvfp4 ? "\(rawValue.uppercased()) ggml" : rawValue.uppercased() }

  /// The type whose format id is `id` (`q4_k`, `mxfp4:ggml`).
  public init?(id: String) {
    guard let type = Self.allCases.first(where: { $0.id == id }) else { return nil }
    self = type
  }

  public var bits: Int {
    switch self {
    case .iq1_s, .iq1_m, .tq1_0, .q1_0: 1
    case .q2_k, .iq2_xxs, .iq2_xs, .iq2_s, .tq2_0, .q2_0: 2
    case .q3_k, .iq3_xxs, .iq3_s: 3
    case .q4_0, .q4_1, .q4_k, .iq4_nl, .iq4_xs, .mxfp4, .nvfp4: 4
    case .q5_0, .q5_1, .q5_k: 5
    case .q6_k: 6
    case .q8_0: 8
    }
  }

  /// Whether it is one of the K-quants (super-blocks of 256 with searched sub-block scales).
  public var isKQuant: Bool { [.q2_k, .q3_k, .q4_k, .q5_k, .q6_k].contains(self) }

  /// Whether it is one of the non-linear IQ4 types (a 16-value codebook under a searched block scale).
  public var isIQ4: Bool { self == .iq4_nl || self == .iq4_xs }

  /// Whether it is one of the lattice types (groups of elements on a grid of points).
  public var isLattice: Bool { [.iq2_xxs, .iq2_xs, .iq2_s, .iq3_xxs, .iq3_s, .iq1_s, .iq1_m].contains(self) }

  /// Whether ggml makes it only with an importance matrix: `quantize_row_<type>_impl` asserts one
  /// for IQ2_XXS, IQ2_XS and IQ1_S, so only `TYPE:imatrix` is offered. (llama-quantize asks for an
  /// imatrix for IQ2_S, IQ3_XXS and IQ1_M too, but for `token_embd` and `output` takes ggml's path
  /// without one, which tscope offers as the plain id.)
  public var requiresImportance: Bool { [.iq2_xxs, .iq2_xs, .iq1_s].contains(self) }

  /// Whether llama-quantize quantizes it differently with an imatrix: not Q8_0, MXFP4, NVFP4, TQ1_0,
  /// TQ2_0, Q1_0 or Q2_0, which ggml makes from their reference alone (`TYPE:imatrix` equals `TYPE`).
  public var hasImatrixPath: Bool { ![.q8_0, .mxfp4, .nvfp4, .tq1_0, .tq2_0, .q1_0, .q2_0].contains(self) }

  /// Whether it is llama.cpp's MXFP4 or NVFP4 (an index into ggml's 16 E2M1-doubled values).
  public var isFP4: Bool { self == .mxfp4 || self == .nvfp4 }

  /// Whether it is a ternary type (TQ1_0, TQ2_0).
  public var isTernary: Bool { self == .tq1_0 || self == .tq2_0 }

  /// Whether a block also stores a minimum: the _1 types' m, the dmin and sub-block minimums of
  /// Q2_K, Q4_K and Q5_K.
  public var hasMinimum: Bool { [.q4_1, .q5_1, .q2_k, .q4_k, .q5_k].contains(self) }

  /// The stored codes `code_usage` counts, in ggml's order: Q4_0's 0…15 (the value is (q − 8)·d),
  /// Q5_0's 0…31 ((q − 16)·d), the _1 types' 0…15 and 0…31 (q·d + m), Q8_0's −127…127 (q·d);
  /// Q2_K's 0…3, Q4_K's 0…15 and Q5_K's 0…31 (q·d_s − m_s), Q3_K's 0…7 ((q − 4)·d_s) and Q6_K's
  /// 0…63 ((q − 32)·d_s), d_s and m_s a sub-block's scale and minimum. The lattice types count
  /// each element's signed grid value (times its block's scale): IQ2's ±8, ±25, ±43; IQ3_XXS's ±4,
  /// ±12, …, ±62; IQ3_S's ±1, ±3, …, ±15; IQ1's −1, 0, 1 (before its block's ±1/8 shift).
  public var values: [Double] {
    switch self {
    case .iq2_xxs, .iq2_xs, .iq2_s: [-43, -25, -8, 8, 25, 43]
    case .iq3_xxs: [-62, -52, -44, -36, -28, -20, -12, -4, 4, 12, 20, 28, 36, 44, 52, 62]
    case .iq3_s: Array(stride(from: -15.0, through: 15, by: 2))
    case .iq1_s, .iq1_m, .tq1_0, .tq2_0: [-1, 0, 1]
    case .mxfp4, .nvfp4: (0...15).map(Double.init)  // ggml's value index: 0, 1, 2, 3, 4, 6, 8, 12, −0, −1, …
    case .q1_0: [-1, 1]
    case .q2_0: [-1, 0, 1, 2]
    case .q2_k: (0...3).map(Double.init)
    case .q3_k: (0...7).map(Double.init)
    case .q4_0, .q4_1, .q4_k, .iq4_nl, .iq4_xs: (0...15).map(Double.init)
    case .q5_0, .q5_1, .q5_k: (0...31).map(Double.init)
    case .q6_k: (0...63).map(Double.init)
    case .q8_0: (-127...127).map(Double.init)
    }
  }

  /// The code magnitude a block's largest element maps onto: 8 and 16 (d = max/−8, max/−16), 127
  /// for Q8_0, 15 and 31 for the _1 types' range; for the K-quants, a sub-block's: 3, 15 and 31
  /// for the range of Q2_K, Q4_K and Q5_K, 4 and 32 for Q3_K and Q6_K (scale max/−4, max/−32).
  public var fullScale: Double {
    switch self {
    case .q2_k: 3
    case .q3_k: 4
    case .q4_0: 8
    case .q5_0: 16
    case .q4_1, .q4_k: 15
    case .q5_1, .q5_k: 31
    case .q6_k: 32
    case .q8_0: 127
    case .iq4_nl, .iq4_xs: 127  // the value −127 a block's largest element starts on
    case .iq2_xxs, .iq2_xs, .iq2_s: 43  // the largest grid value
    case .iq3_xxs: 62
    case .iq3_s: 15
    case .iq1_s, .iq1_m, .tq1_0, .tq2_0, .q1_0, .q2_0: 1
    case .mxfp4, .nvfp4: 12  // ggml's largest value (E2M1's 6, doubled)
    }
  }

  /// The elements of one block: 32, or a K-quant's super-block of 256.
  public var blockSize: Int {
    switch self {
    case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .iq4_nl: 32
    case .q2_k, .q3_k, .q4_k, .q5_k, .q6_k, .iq4_xs, .iq2_xxs, .iq2_xs, .iq2_s, .iq3_xxs, .iq3_s, .iq1_s, .iq1_m,
      .tq1_0, .tq2_0:
      256
    case .mxfp4: 32
    case .nvfp4, .q2_0: 64
    case .q1_0: 128
    }
  }

  /// The bits one block stores besides its elements' codes: the FP16 d (16) and m (32 in all) of
  /// the legacy types; for the K-quants, ggml's block size less the codes — Q2_K 84 bytes (2.625
  /// bits per weight), Q3_K 110 (3.4375), Q4_K 144 (4.5), Q5_K 176 (5.5), Q6_K 210 (6.5625).
  public var blockScaleBits: Int {
    switch self {
    case .q4_0, .q5_0, .q8_0: 16
    case .q4_1, .q5_1: 32
    case .q2_k: 84 * 8 - 2 * 256
    case .q3_k: 110 * 8 - 3 * 256
    case .q4_k: 144 * 8 - 4 * 256
    case .q5_k: 176 * 8 - 5 * 256
    case .q6_k: 210 * 8 - 6 * 256
    case .iq4_nl: 16  // FP16 d
    case .iq4_xs: 136 * 8 - 4 * 256  // FP16 d, 6-bit block scales: 4.25 bits per weight
    // ggml's block bytes less the element bits: 2.0625, 2.3125, 2.5625, 3.0625, 3.4375, 1.5625 and
    // 1.75 bits per weight (the grid indices, signs and block scales all count as the rest).
    case .iq2_xxs: 66 * 8 - 2 * 256
    case .iq2_xs: 74 * 8 - 2 * 256
    case .iq2_s: 82 * 8 - 2 * 256
    case .iq3_xxs: 98 * 8 - 3 * 256
    case .iq3_s: 110 * 8 - 3 * 256
    case .iq1_s: 50 * 8 - 256
    case .iq1_m: 56 * 8 - 256
    case .mxfp4: 8  // the E8M0 exponent: 4.25 bits per weight
    case .nvfp4: 4 * 8  // four UE4M3 scales: 4.5 bits per weight
    case .tq1_0: 54 * 8 - 256  // trits five to a byte and an FP16 d: 1.6875 bits per weight
    case .tq2_0: 66 * 8 - 2 * 256  // 2.0625 bits per weight
    case .q1_0, .q2_0: 16  // FP16 d: 1.125 and 2.25 bits per weight
    }
  }
}

/// The column importance llama-quantize weighs a tensor's scale searches by (`--imatrix`): E[x_j²]
/// of input column j over the calibration tokens, per expert — row r takes
/// `values[(r / rowsPerExpert) * rowLength + j]`. Empty `values`: the imatrix has no entry for the
/// tensor, which llama-quantize then writes from its reference path.
public struct GGMLImportance: Sendable, Hashable {
  public let values: [Float]
  public let rowLength: Int
  public let rowsPerExpert: Int

  /// The format-id suffix of the imatrix path (`q4_k:imatrix`).
  public static let suffix = "imatrix"

  public init(values: [Float], rowLength: Int, rowsPerExpert: Int) {
    self.values = values
    self.rowLength = rowLength
    self.rowsPerExpert = rowsPerExpert
  }

  /// No entry for the tensor: the reference path.
  public static let missing = GGMLImportance(values: [], rowLength: 0, rowsPerExpert: 1)

  /// Experts the importance holds (0 for `missing`).
  public var experts: Int { rowLength > 0 ? values.count / rowLength : 0 }

  /// The importance rows `rows` of the tensor take, for a tensor of those rows alone: the values of
  /// the experts they fall in (past the last expert, the last one's, as the kernel clamps). `rows`
  /// lie within one expert, or begin on an expert's first row.
  public func restricted(to rows: Range<Int>) -> GGMLImportance {
    guard experts > 0, !rows.isEmpty else { return self }
    let first = min(rows.lowerBound / rowsPerExpert, experts - 1)
    let last = min((rows.upperBound - 1) / rowsPerExpert, experts - 1)
    precondition(first == last || rows.lowerBound == first * rowsPerExpert, "rows straddle an expert")
    return GGMLImportance(
      values: Array(values[(first * rowLength)..<((last + 1) * rowLength)]), rowLength: rowLength,
      rowsPerExpert: first == last ? rows.count : rowsPerExpert)
  }
}
