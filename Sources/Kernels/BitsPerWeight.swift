import Formats

/// What a deployment stores per weight: the element bits plus each group's scale (and zero point),
/// spread over the group's elements.
///
/// - Codebook formats (INT4, NF4, SF4, E2M1, …): one scale of `scaleBits` per group (16 by
///   default, as FP16/BF16 scales; `--scale-bits`).
/// - INT4-asym: the scale plus a zero point of the element's 4 bits per group (packed as GPTQ
///   and AWQ pack `qzeros`).
/// - The MX family: one 8-bit E8M0 scale per block of 32 (MXFP4 4.25, MXFP8 8.25), whatever
///   `scaleBits` says.
/// - NVFP4 and its variants (NVFP4-46, NVINT4, IF4): one 8-bit E4M3 scale per block of 16 plus
///   one 32-bit tensor scale (4.5 + 32/n); IF4's per-block choice of INT4 or FP4 is counted
///   within the scale's 8 bits (an E4M3 scale of a positive amax leaves its sign bit free).
/// - llama.cpp's types: ggml's block layout (`GGMLFormat.blockScaleBits`): Q4_0 4.5, Q8_0 8.5,
///   Q4_K 4.5, Q6_K 6.5625.
///
/// Groups do not cross rows (SPEC §4): a row of length r holds ⌈r/g⌉ groups, so `channel` costs
/// 16/r bits per weight and `tensor` 16/n.
public enum BitsPerWeight {
  /// The scale width of codebook formats when `--scale-bits` is not given.
  public static let defaultScaleBits = 16

  /// Bits per weight of `format` on a tensor of `shape` (row-major, the row last) at `group`.
  public static func of(_ format: QuantFormat, group: GroupSize, shape: [Int], scaleBits: Int = defaultScaleBits)
    -> Double
  {
    let count = shape.reduce(1, *)
    guard count > 0 else { return Double(format.bits) }
    let rowLength = max(shape.last ?? 1, 1)
    let rows = count / rowLength
    let effectiveGroup = format.blockSize.map(GroupSize.elements) ?? group
    let groups: Int
    switch effectiveGroup {
    case .tensor: groups = 1
    case .channel: groups = rows
    case .elements:
      let perGroup = effectiveGroup.elementsPerGroup(rowLength: rowLength)
      groups = rows * ((rowLength + perGroup - 1) / perGroup)
    }
    let perGroupBits = groupScaleBits(of: format, scaleBits: scaleBits) + (format == .int4Asymmetric ? format.bits : 0)
    return Double(format.bits) + Double(groups * perGroupBits + tensorScaleBits(of: format)) / Double(count)
  }

  /// The bits of one group's (block's) scale: `scaleBits` for codebook formats and INT4-asym, 8
  /// for MXFP4's E8M0 and NVFP4's E4M3 block scales.
  public static func groupScaleBits(of format: QuantFormat, scaleBits: Int = defaultScaleBits) -> Int {
    switch format {
    case .codebook, .int4Asymmetric: scaleBits
    case .mxfp4, .nvfp4, .mx, .nvfp4Variant: 8
    case .ggml(let type, _): type.blockScaleBits  // ggml's own layout, whatever --scale-bits says
    }
  }

  /// The bits of scales stored once per tensor: the F32 tensor scale of NVFP4 and its variants.
  public static func tensorScaleBits(of format: QuantFormat) -> Int {
    switch format {
    case .nvfp4, .nvfp4Variant: 32
    case .codebook, .int4Asymmetric, .mxfp4, .mx, .ggml: 0
    }
  }
}
