import Distributions

/// The built-in formats of SPEC §3, as data.
public enum FormatCatalog {
  /// NF4 as bitsandbytes publishes it (float32 values printed as doubles).
  public static let nf4Values: [Double] = [
    -1, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
    -0.18477343022823334, -0.09105003625154495, 0, 0.07958029955625534, 0.16093020141124725,
    0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
    0.7229568362236023, 1,
  ]

  /// SF4's default degrees of freedom.
  public static let defaultNu = 5.0

  /// Every built-in format in listing order (`tscope formats`). SF4 and SF3 at the default ν.
  public static var all: [QuantFormat] {
    [
      .codebook(int4), .int4Asymmetric, .codebook(nf4), .codebook(studentFloat(bits: 4, nu: nil)),
      .codebook(e2m1), .codebook(e2m1I), .codebook(e2m1B),
      .codebook(supernormal(e2m1, value: 8, id: "e2m1-sr", name: "E2M1-SR")),
      .codebook(supernormal(e2m1, value: 5, id: "e2m1-sp", name: "E2M1-SP")),
      .codebook(e1m2), .codebook(e3m0), .codebook(apot4),
      .codebook(supernormal(apot4, value: 0.5, id: "apot4-sp", name: "APoT4-SP")),
      .mxfp4, .nvfp4,
      .mx(MXFormat(element: .fp8E4M3)), .mx(MXFormat(element: .fp8E5M2)), .mx(MXFormat(element: .fp6E2M3)),
      .mx(MXFormat(element: .fp6E3M2)), .mx(MXFormat(element: .int8)),
      .nvfp4Variant(.fourOverSix), .nvfp4Variant(.int4), .nvfp4Variant(.intFloat),
      .ggml(.q4_0), .ggml(.q4_1), .ggml(.q5_0), .ggml(.q5_1), .ggml(.q8_0),
      .ggml(.q2_k), .ggml(.q3_k), .ggml(.q4_k), .ggml(.q5_k), .ggml(.q6_k), .ggml(.iq4_nl), .ggml(.iq4_xs),
      // The lattice types: those ggml makes only with an imatrix listed by their `TYPE:imatrix` id.
      .ggml(.iq2_xxs, importance: .missing), .ggml(.iq2_xs, importance: .missing), .ggml(.iq2_s),
      .ggml(.iq3_xxs), .ggml(.iq3_s), .ggml(.iq1_s, importance: .missing), .ggml(.iq1_m),
      .ggml(.mxfp4), .ggml(.nvfp4), .ggml(.tq1_0), .ggml(.tq2_0), .ggml(.q1_0), .ggml(.q2_0),
      .codebook(int8), .codebook(fp8E4M3), .codebook(fp8E5M2),
      .codebook(nf3), .codebook(studentFloat(bits: 3, nu: nil)),
    ]
  }

  /// The paper's eleven-plus formats (the ones its round-to-nearest reference covers).
  public static let paperIDs = [
    "int4", "nf4", "sf4", "e2m1", "e2m1-i", "e2m1-b", "e2m1-sr", "e2m1-sp", "e1m2", "e3m0", "apot4", "apot4-sp",
  ]

  /// Supernormal aliases: id → (base id, value, display name).
  static let aliases: [String: (base: String, value: Double, name: String)] = [
    "e2m1-sr": ("e2m1", 8, "E2M1-SR"),
    "e2m1-sp": ("e2m1", 5, "E2M1-SP"),
    "apot4-sp": ("apot4", 0.5, "APoT4-SP"),
  ]

  /// Plain codebooks by id (no aliases, no SF(ν), no block formats).
  static var baseCodebooks: [String: Codebook] {
    Dictionary(
      uniqueKeysWithValues: [int4, nf4, e2m1, e2m1I, e2m1B, e1m2, e3m0, apot4, int8, fp8E4M3, fp8E5M2, nf3].map {
        ($0.id, $0)
      })
  }

  static let int4 = integers(id: "int4", name: "INT4", in: -8...7)
  static let int8 = integers(id: "int8", name: "INT8", in: -128...127)
  static let nf4 = Codebook(id: "nf4", name: "NF4", bits: 4, values: nf4Values)
  static let nf3 = Codebook(id: "nf3", name: "NF3", bits: 3, values: QuantileCodebook.normalFloat(bits: 3))
  static let e2m1 = signMagnitude(id: "e2m1", name: "E2M1", [0.5, 1, 1.5, 2, 3, 4, 6])
  static let e2m1I = signMagnitude(id: "e2m1-i", name: "E2M1-I", [0.0625, 1, 1.5, 2, 3, 4, 6])
  static let e2m1B = signMagnitude(id: "e2m1-b", name: "E2M1-B", [0.0625, 2, 3, 4, 6, 8, 12])
  static let e1m2 = signMagnitude(id: "e1m2", name: "E1M2", [1.25, 1.5, 1.75, 2, 2.5, 3, 3.5])
  static let e3m0 = signMagnitude(id: "e3m0", name: "E3M0", [0.25, 0.5, 1, 2, 4, 8, 16])
  static let apot4 = signMagnitude(id: "apot4", name: "APoT4", [0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1])
  static let fp8E4M3 = fp8(
    id: "fp8-e4m3", name: "FP8 E4M3", exponentBits: 4, mantissaBits: 3, bias: 7, hasInfinity: false)
  static let fp8E5M2 = fp8(
    id: "fp8-e5m2", name: "FP8 E5M2", exponentBits: 5, mantissaBits: 2, bias: 15, hasInfinity: true)

  /// `lloyd@normal`: the 16-level Lloyd-Max quantizer of N(0, 1) (Max 1960), normalized by its
  /// largest level.
  public static let lloydNormal = Codebook(
    id: "lloyd@normal", name: "Lloyd N(0,1)", bits: 4,
    values: LloydMax.normalizedValues(count: 16, distribution: Normal()))

  /// SF`bits`(ν); nil ν is the default (id `sf4`, name `SF4`).
  public static func studentFloat(bits: Int, nu: Double?) -> Codebook {
    let base = "sf\(bits)"
    let values = QuantileCodebook.studentFloat(bits: bits, nu: nu ?? defaultNu)
    guard let nu else { return Codebook(id: base, name: "SF\(bits)", bits: bits, values: values, nu: defaultNu) }
    let text = text(for: nu)
    return Codebook(id: "\(base)@\(text)", name: "SF\(bits) (ν=\(text))", bits: bits, values: values, nu: nu)
  }

  /// `base` with `value` on its spare −0 code. The caller checks the value is new and the base
  /// symmetric; the value counts as an even code (it takes −0's all-zero mantissa).
  public static func supernormal(_ base: Codebook, value: Double, id: String, name: String) -> Codebook {
    let values = (base.values + [value]).sorted()
    let even = base.evenCodes.map { flags in
      values.map { candidate in
        candidate == value ? true : flags[base.values.firstIndex(of: candidate)!]
      }
    }
    return Codebook(
      id: id, name: name, bits: base.bits, values: values, evenCodes: even, supernormalValue: value, nu: base.nu)
  }

  private static func integers(id: String, name: String, in range: ClosedRange<Int>) -> Codebook {
    Codebook(
      id: id, name: name, bits: id == "int8" ? 8 : 4, values: range.map(Double.init),
      evenCodes: range.map { $0 % 2 == 0 })
  }

  private static func signMagnitude(id: String, name: String, _ magnitudes: [Double]) -> Codebook {
    Codebook(id: id, name: name, bits: 4, values: magnitudes.reversed().map { -$0 } + [0] + magnitudes)
  }

  /// Every finite value of a sign-magnitude binary float (one zero), ties to even mantissa.
  private static func fp8(
    id: String, name: String, exponentBits: Int, mantissaBits: Int, bias: Int, hasInfinity: Bool
  ) -> Codebook {
    var magnitudes: [(value: Double, even: Bool)] = []
    let mantissaCount = 1 << mantissaBits
    for exponent in 0..<(1 << exponentBits) {
      for mantissa in 0..<mantissaCount {
        let allOnes = exponent == (1 << exponentBits) - 1
        // E5M2's top exponent is Inf/NaN; E4M3 ("fn") keeps it except for the all-ones NaN.
        if allOnes && (hasInfinity || mantissa == mantissaCount - 1) { continue }
        let fraction = Double(mantissa) / Double(mantissaCount)
        let value =
          exponent == 0
          ? fraction * pow2(1 - bias)
          : (1 + fraction) * pow2(exponent - bias)
        magnitudes.append((value, mantissa % 2 == 0))
      }
    }
    let negatives = magnitudes.dropFirst().reversed().map { (value: -$0.value, even: $0.even) }
    let all = negatives + magnitudes
    return Codebook(id: id, name: name, bits: 8, values: all.map(\.value), evenCodes: all.map(\.even))
  }

  /// A number as users write it in ids: `8`, `2.5`, `0.0625`.
  public static func text(for value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    return "\(value)"
  }

  private static func pow2(_ exponent: Int) -> Double { Double(sign: .plus, exponent: exponent, significand: 1) }
}
