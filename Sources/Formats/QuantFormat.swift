/// A format ready to run on a tensor: a codebook under the group rule of SPEC §4, or one of the
/// formats that follow their own standard (SPEC §3).
public enum QuantFormat: Sendable, Hashable {
  /// Group absmax scaling onto the codebook's full scale (`Codebook.fullScale`), round to nearest.
  case codebook(Codebook)
  /// INT4 with a zero point: codes 0…15, scale (max − min)/15 over the group, min ≤ 0 ≤ max.
  case int4Asymmetric
  /// OCP Microscaling MXFP4: E2M1 elements, blocks of 32, shared power-of-two (E8M0) scale.
  case mxfp4
  /// NVIDIA NVFP4: E2M1 elements, blocks of 16, E4M3 block scales under an F32 tensor scale.
  case nvfp4
  /// The rest of the OCP MX family (MXFP8, MXFP6, MXINT8, and MXFP4 under a rule other than
  /// floor): blocks of 32, E8M0 scales. MXFP4 with the floor rule is always `.mxfp4`
  /// (`microscaling(_:)` builds it so).
  case mx(MXFormat)
  /// An NVFP4 variant of the Four Over Six reference: blocks of 16, E4M3 block scales.
  case nvfp4Variant(NVFP4Variant)
  /// A llama.cpp type (Q4_0 … Q8_0, Q2_K … Q6_K) as llama-quantize writes it: from its reference
  /// path (`importance` nil), or from its imatrix path with the tensor's importance (`TYPE:imatrix`).
  case ggml(GGMLFormat, importance: GGMLImportance? = nil)

  /// The MX format `format`: `.mxfp4` for E2M1 under floor, `.mx` otherwise.
  public static func microscaling(_ format: MXFormat) -> QuantFormat {
    format == MXFormat(element: .fp4E2M1, rule: .floor) ? .mxfp4 : .mx(format)
  }

  public var id: String {
    switch self {
    case .codebook(let codebook): codebook.id
    case .int4Asymmetric: "int4-asym"
    case .mxfp4: "mxfp4"
    case .nvfp4: "nvfp4"
    case .mx(let format): format.id
    case .nvfp4Variant(let variant): variant.id
    case .ggml(let type, let importance): importance == nil ? type.id : "\(type.id):\(GGMLImportance.suffix)"
    }
  }

  public var name: String {
    switch self {
    case .codebook(let codebook): codebook.name
    case .int4Asymmetric: "INT4 (asym)"
    case .mxfp4: "MXFP4"
    case .nvfp4: "NVFP4"
    case .mx(let format): format.name
    case .nvfp4Variant(let variant): variant.name
    case .ggml(let type, let importance): importance == nil ? type.name : "\(type.name) \(GGMLImportance.suffix)"
    }
  }

  public var bits: Int {
    switch self {
    case .codebook(let codebook): codebook.bits
    case .int4Asymmetric, .mxfp4, .nvfp4, .nvfp4Variant: 4
    case .mx(let format): format.element.bits
    case .ggml(let type, _): type.bits
    }
  }

  /// The values whose use `code_usage` counts, ascending: the codebook's values; for INT4-asym
  /// the codes 0…15; for the E2M1 block formats the E2M1 values −6…6 (before scaling); for
  /// the MX family its element's values; for the NVFP4 variants `NVFP4Variant.values`; for the
  /// llama.cpp types their stored codes (`GGMLFormat.values`).
  public var values: [Double] {
    switch self {
    case .codebook(let codebook): codebook.values
    case .int4Asymmetric: (0...15).map(Double.init)
    case .mxfp4, .nvfp4: E2M1.signedValues
    case .mx(let format): format.element.signedValues
    case .nvfp4Variant(let variant): variant.values
    case .ggml(let type, _): type.values
    }
  }

  /// The fixed block size of a block-scaled format (it ignores `--group`), or nil.
  public var blockSize: Int? {
    switch self {
    case .mxfp4, .mx: MXFormat.blockSize
    case .nvfp4, .nvfp4Variant: NVFP4Variant.blockSize
    case .ggml(let type, _): type.blockSize
    case .codebook, .int4Asymmetric: nil
    }
  }
}

/// The FP4 E2M1 element type shared by the paper's E2M1 and the MX/NV block formats.
public enum E2M1 {
  /// The non-negative values {0, 0.5, 1, 1.5, 2, 3, 4, 6}.
  public static let magnitudes: [Double] = [0, 0.5, 1, 1.5, 2, 3, 4, 6]
  /// −6…6, with one zero (15 values).
  public static let signedValues: [Double] = magnitudes.dropFirst().reversed().map { -$0 } + magnitudes
}
