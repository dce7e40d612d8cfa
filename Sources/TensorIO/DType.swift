/// The element type of a stored tensor, across every file format tscope reads.
///
/// Names follow the file formats: safetensors' dtype strings (`F32`, `BF16`, `F8_E4M3`, …)
/// and GGML's type names (`Q4_K`, `Q8_0`, …).
public enum DType: Hashable, Sendable, CustomStringConvertible {
  case f64, f32, f16, bf16, f8E4M3, f8E5M2
  case i8, i16, i32, i64, u8, bool
  /// GGML block-quantized types, decoded to Float32 block by block.
  case q8_0, q4_0, q4_1, q5_0, q5_1, q4K, q5K, q6K
  /// A type the file names but tscope cannot decode (listed, never analysed).
  case other(String)

  /// The dtype's name as its file format writes it.
  public var description: String {
    switch self {
    case .f64: "F64"
    case .f32: "F32"
    case .f16: "F16"
    case .bf16: "BF16"
    case .f8E4M3: "F8_E4M3"
    case .f8E5M2: "F8_E5M2"
    case .i8: "I8"
    case .i16: "I16"
    case .i32: "I32"
    case .i64: "I64"
    case .u8: "U8"
    case .bool: "BOOL"
    case .q8_0: "Q8_0"
    case .q4_0: "Q4_0"
    case .q4_1: "Q4_1"
    case .q5_0: "Q5_0"
    case .q5_1: "Q5_1"
    case .q4K: "Q4_K"
    case .q5K: "Q5_K"
    case .q6K: "Q6_K"
    case .other(let name): name
    }
  }

  /// The safetensors dtype for a header string, or nil when safetensors has no such dtype.
  public init?(safetensorsName name: String) {
    switch name {
    case "F64": self = .f64
    case "F32": self = .f32
    case "F16": self = .f16
    case "BF16": self = .bf16
    case "F8_E4M3": self = .f8E4M3
    case "F8_E5M2": self = .f8E5M2
    case "I8": self = .i8
    case "I16": self = .i16
    case "I32": self = .i32
    case "I64": self = .i64
    case "U8": self = .u8
    case "BOOL": self = .bool
    default: return nil
    }
  }

  /// Whether tscope decodes this dtype to Float32 for fits and quantization (SPEC §4).
  public var isAnalysable: Bool {
    switch self {
    case .i64, .u8, .bool, .other: false
    default: true
    }
  }

  /// Elements per storage block: 1 for scalar types, 32 or 256 for GGML block types.
  public var blockElements: Int {
    switch self {
    case .q8_0, .q4_0, .q4_1, .q5_0, .q5_1: 32
    case .q4K, .q5K, .q6K: 256
    default: 1
    }
  }

  /// Bytes per storage block (for scalar types, bytes per element); nil when unknown.
  public var blockBytes: Int? {
    switch self {
    case .f64, .i64: 8
    case .f32, .i32: 4
    case .f16, .bf16, .i16: 2
    case .f8E4M3, .f8E5M2, .i8, .u8, .bool: 1
    case .q8_0: 34
    case .q4_0: 18
    case .q4_1: 20
    case .q5_0: 22
    case .q5_1: 24
    case .q4K: 144
    case .q5K: 176
    case .q6K: 210
    case .other: nil
    }
  }
}
