/// The element type of a stored tensor, across every file format tscope reads.
///
/// Names follow the file formats: safetensors' dtype strings (`F32`, `BF16`, `F8_E4M3`, …)
/// and GGML's type names (`Q4_K`, `Q8_0`, …).
public enum DType: Hashable, Sendable, CustomStringConvertible {
  case f64, f32, f16, bf16, f8E4M3, f8E5M2
  /// OCP E8M0 (safetensors `F8_E8M0`): a power of two 2^(byte − 127), 0xFF is NaN; MX block scales.
  case f8E8M0
  /// OCP E2M1 (safetensors `F4`): two elements a byte, the first in the low nibble; the shape counts elements.
  case f4E2M1
  case i8, i16, i32, i64, u8, bool
  /// A GGML block-quantized type, decoded to Float32 block by block.
  case ggml(GGMLBlockType)
  /// A GGUF tensor type id ggml does not define (a future or retired type): listed by number,
  /// never analysed, since neither its block size nor its values are known.
  case unknownGGML(UInt32)
  /// A weight a checkpoint ships quantized in several tensors (packed values, scales, …),
  /// read as the one logical tensor they hold; the format names how it was shipped.
  case shipped(ShippedFormat)
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
    case .f8E8M0: "F8_E8M0"
    case .f4E2M1: "F4"
    case .i8: "I8"
    case .i16: "I16"
    case .i32: "I32"
    case .i64: "I64"
    case .u8: "U8"
    case .bool: "BOOL"
    case .ggml(let type): type.name
    case .unknownGGML(let id): "type \(id)"
    case .shipped(let format): format.name
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
    case "F8_E8M0": self = .f8E8M0
    case "F4": self = .f4E2M1
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
  public var isAnalysable: Bool { unanalysableReason == nil }

  /// Why tensors of this dtype are listed but not analysed, in words a command can print beside
  /// the tensor (`unknown GGML type id 99`); nil for every dtype tscope decodes.
  public var unanalysableReason: String? {
    switch self {
    case .i64, .u8: "\(self) is integer data, not real-valued weights"
    case .bool: "BOOL is a mask, not real-valued weights"
    case .unknownGGML(let id): "unknown GGML type id \(id): its block size and values are not known"
    case .shipped(let format): format.unreadableReason
    case .other(let name) where name.hasPrefix("F6_"):
      "safetensors gives \(name) 6 bits an element but neither its spec nor its library says how 4 elements "
        + "pack into 3 bytes, so tscope does not guess"
    case .other(let name): "tscope cannot decode dtype \(name)"
    default: nil
    }
  }

  /// Whether this is a float type of 16 bits or more (F64, F32, F16, BF16): what an original,
  /// unquantized checkpoint holds, where a shipped quantized one holds GGML blocks, FP8, F4 or a
  /// checkpoint's quantized parts.
  public var isWideFloat: Bool {
    switch self {
    case .f64, .f32, .f16, .bf16: true
    default: false
    }
  }

  /// Elements per storage block: 1 for scalar types, 2 for `F4` (two a byte), 32 to 256 for GGML block types.
  public var blockElements: Int {
    switch self {
    case .ggml(let type): type.blockElements
    case .f4E2M1: 2
    default: 1
    }
  }

  /// Bytes per storage block (for scalar types, bytes per element); nil when unknown.
  public var blockBytes: Int? {
    switch self {
    case .f64, .i64: 8
    case .f32, .i32: 4
    case .f16, .bf16, .i16: 2
    case .f8E4M3, .f8E5M2, .f8E8M0, .f4E2M1, .i8, .u8, .bool: 1
    case .ggml(let type): type.blockBytes
    case .unknownGGML, .shipped, .other: nil
    }
  }
}
