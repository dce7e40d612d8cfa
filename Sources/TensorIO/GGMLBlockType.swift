/// The GGML block-quantized tensor types, by the type id GGUF stores (ggml's `ggml_type` enum),
/// with the block geometry that sizes a tensor (ggml.c's `type_traits`, gguf-py's `GGML_QUANT_SIZES`).
///
/// Every one decodes to Float32 (`GGMLBlockDecoder`), value for value as ggml's
/// `dequantize_row_*`. Q8_1 and Q8_K are ggml's intermediate dot-product types, never written by
/// llama-quantize; they decode as their layout says (d·q), as ggml's `dequantize_row_q8_K` does.
public enum GGMLBlockType: UInt32, CaseIterable, Sendable {
  case q4_0 = 2
  case q4_1 = 3
  case q5_0 = 6
  case q5_1 = 7
  case q8_0 = 8
  case q8_1 = 9
  case q2K = 10
  case q3K = 11
  case q4K = 12
  case q5K = 13
  case q6K = 14
  case q8K = 15
  case iq2XXS = 16
  case iq2XS = 17
  case iq3XXS = 18
  case iq1S = 19
  case iq4NL = 20
  case iq3S = 21
  case iq2S = 22
  case iq4XS = 23
  case iq1M = 29
  case tq1_0 = 34
  case tq2_0 = 35
  case mxfp4 = 39
  case nvfp4 = 40
  case q1_0 = 41
  case q2_0 = 42

  /// The name as gguf-py and llama.cpp's logs write it (`Q4_K`, `IQ2_XXS`).
  public var name: String {
    switch self {
    case .q4_0: "Q4_0"
    case .q4_1: "Q4_1"
    case .q5_0: "Q5_0"
    case .q5_1: "Q5_1"
    case .q8_0: "Q8_0"
    case .q8_1: "Q8_1"
    case .q2K: "Q2_K"
    case .q3K: "Q3_K"
    case .q4K: "Q4_K"
    case .q5K: "Q5_K"
    case .q6K: "Q6_K"
    case .q8K: "Q8_K"
    case .iq2XXS: "IQ2_XXS"
    case .iq2XS: "IQ2_XS"
    case .iq3XXS: "IQ3_XXS"
    case .iq1S: "IQ1_S"
    case .iq4NL: "IQ4_NL"
    case .iq3S: "IQ3_S"
    case .iq2S: "IQ2_S"
    case .iq4XS: "IQ4_XS"
    case .iq1M: "IQ1_M"
    case .tq1_0: "TQ1_0"
    case .tq2_0: "TQ2_0"
    case .mxfp4: "MXFP4"
    case .nvfp4: "NVFP4"
    case .q1_0: "Q1_0"
    case .q2_0: "Q2_0"
    }
  }

  /// Elements per block: 32, 64, 128 or 256 (QK_K).
  public var blockElements: Int {
    switch self {
    case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .iq4NL, .mxfp4: 32
    case .nvfp4, .q2_0: 64
    case .q1_0: 128
    default: 256
    }
  }

  /// Bytes per block (`sizeof(block_*)` in ggml-common.h).
  public var blockBytes: Int {
    let superBlock = 256  // QK_K
    return switch self {
    case .q4_0: 2 + 16
    case .q4_1: 2 + 2 + 16
    case .q5_0: 2 + 4 + 16
    case .q5_1: 2 + 2 + 4 + 16
    case .q8_0: 2 + 32
    case .q8_1: 2 + 2 + 32
    case .q2K: 2 + 2 + superBlock / 16 + superBlock / 4
    case .q3K: 2 + superBlock / 4 + superBlock / 8 + 12
    case .q4K: 2 + 2 + superBlock / 2 + 12
    case .q5K: 2 + 2 + superBlock / 2 + superBlock / 8 + 12
    case .q6K: 2 + superBlock / 2 + superBlock / 4 + superBlock / 16
    case .q8K: 4 + superBlock + superBlock / 8
    case .iq2XXS: 2 + superBlock / 4
    case .iq2XS: 2 + superBlock / 4 + superBlock / 32
    case .iq3XXS: 2 + 3 * superBlock / 8
    case .iq1S: 2 + superBlock / 8 + superBlock / 16
    case .iq4NL: 2 + 16
    case .iq3S: 2 + superBlock / 4 + superBlock / 8 + superBlock / 32 + superBlock / 64
    case .iq2S: 2 + superBlock / 4 + superBlock / 16
    case .iq4XS: 2 + 2 + superBlock / 2 + superBlock / 64
    case .iq1M: superBlock / 8 + superBlock / 16 + superBlock / 32
    case .tq1_0: 2 + superBlock / 64 + (superBlock - 4 * superBlock / 64) / 5
    case .tq2_0: 2 + superBlock / 4
    case .mxfp4: 1 + 16
    case .nvfp4: 4 + 32
    case .q1_0: 2 + 128 / 8
    case .q2_0: 2 + 64 / 4
    }
  }
}

/// GGUF's tensor type ids (ggml's `ggml_type`): scalar types and `GGMLBlockType`.
enum GGMLTypeID {
  /// The dtype of a GGUF tensor type id; ids ggml does not define (or has retired) are
  /// `.unknownGGML(id)`, listed by number and never analysed.
  static func dtype(_ id: UInt32) -> DType {
    switch id {
    case 0: .f32
    case 1: .f16
    case 24: .i8
    case 25: .i16
    case 26: .i32
    case 27: .i64
    case 28: .f64
    case 30: .bf16
    default: GGMLBlockType(rawValue: id).map(DType.ggml) ?? .unknownGGML(id)
    }
  }
}
