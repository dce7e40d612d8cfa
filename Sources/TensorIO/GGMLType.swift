/// GGML tensor type ids as GGUF stores them, with the block geometry needed to size a tensor.
///
/// The table follows ggml's `ggml_type` enum and gguf-py's `GGML_QUANT_SIZES`. Types tscope
/// cannot decode still have a known geometry, so their byte ranges are validated and they are
/// listed under their ggml name (`DType.other("Q2_K")`).
struct GGMLType: Sendable {
  let id: UInt32
  let name: String
  /// Elements per block (1 for scalar types).
  let blockElements: Int
  /// Bytes per block.
  let blockBytes: Int

  /// The tscope dtype: a decodable type where there is one, else `.other(name)`.
  var dtype: DType {
    switch name {
    case "F32": .f32
    case "F16": .f16
    case "BF16": .bf16
    case "F64": .f64
    case "I8": .i8
    case "I16": .i16
    case "I32": .i32
    case "I64": .i64
    case "Q8_0": .q8_0
    case "Q4_0": .q4_0
    case "Q4_1": .q4_1
    case "Q5_0": .q5_0
    case "Q5_1": .q5_1
    case "Q4_K": .q4K
    case "Q5_K": .q5K
    case "Q6_K": .q6K
    default: .other(name)
    }
  }

  /// The type with ggml id `id`, or nil for ids ggml does not define (or has retired).
  static func withID(_ id: UInt32) -> GGMLType? { known[id] }

  private static let known: [UInt32: GGMLType] = {
    let superBlock = 256  // QK_K
    let table: [(UInt32, String, Int, Int)] = [
      (0, "F32", 1, 4),
      (1, "F16", 1, 2),
      (2, "Q4_0", 32, 2 + 16),
      (3, "Q4_1", 32, 2 + 2 + 16),
      (6, "Q5_0", 32, 2 + 4 + 16),
      (7, "Q5_1", 32, 2 + 2 + 4 + 16),
      (8, "Q8_0", 32, 2 + 32),
      (9, "Q8_1", 32, 4 + 4 + 32),
      (10, "Q2_K", superBlock, 2 + 2 + superBlock / 16 + superBlock / 4),
      (11, "Q3_K", superBlock, 2 + superBlock / 4 + superBlock / 8 + 12),
      (12, "Q4_K", superBlock, 2 + 2 + superBlock / 2 + 12),
      (13, "Q5_K", superBlock, 2 + 2 + superBlock / 2 + superBlock / 8 + 12),
      (14, "Q6_K", superBlock, 2 + superBlock / 2 + superBlock / 4 + superBlock / 16),
      (15, "Q8_K", superBlock, 4 + superBlock + superBlock / 8),
      (16, "IQ2_XXS", superBlock, 2 + superBlock / 4),
      (17, "IQ2_XS", superBlock, 2 + superBlock / 4 + superBlock / 32),
      (18, "IQ3_XXS", superBlock, 2 + superBlock / 4 + superBlock / 8),
      (19, "IQ1_S", superBlock, 2 + superBlock / 8 + superBlock / 16),
      (20, "IQ4_NL", 32, 2 + 16),
      (21, "IQ3_S", superBlock, 2 + superBlock / 4 + superBlock / 8 + superBlock / 32 + 4),
      (22, "IQ2_S", superBlock, 2 + superBlock / 4 + superBlock / 16),
      (23, "IQ4_XS", superBlock, 2 + 2 + superBlock / 2 + superBlock / 64),
      (24, "I8", 1, 1),
      (25, "I16", 1, 2),
      (26, "I32", 1, 4),
      (27, "I64", 1, 8),
      (28, "F64", 1, 8),
      (29, "IQ1_M", superBlock, superBlock / 8 + superBlock / 16 + superBlock / 32),
      (30, "BF16", 1, 2),
      (34, "TQ1_0", superBlock, 2 + 4 * 13),
      (35, "TQ2_0", superBlock, 2 + 64),
      (39, "MXFP4", 32, 1 + 16),
      (40, "NVFP4", 64, 4 + 32),
      (41, "Q1_0", 128, 2 + 16),
    ]
    var result: [UInt32: GGMLType] = [:]
    for (id, name, elements, bytes) in table {
      result[id] = GGMLType(id: id, name: name, blockElements: elements, blockBytes: bytes)
    }
    return result
  }()
}
