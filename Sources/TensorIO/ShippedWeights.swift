import Foundation

/// Reads the weights a checkpoint ships quantized as the logical tensors they hold: the parts
/// (packed values, scales, zero points, shapes) are replaced by one tensor under the weight's
/// name, whose dtype is the shipped format (`DType.shipped`), decoded as the convention's own
/// dequantization computes it. The conventions and their reference code:
///
/// - compressed-tensors (vllm-project/compressed-tensors 0.20, `config.json` `quantization_config`
///   with `quant_method: compressed-tensors`): `nvfp4-pack-quantized` and `mxfp4-pack-quantized`
///   (`compressors/nvfp4/helpers.py` `unpack_fp4_from_uint8`, `compressors/mx_utils.py`),
///   `mxfp6-pack-quantized` (`compressors/mxfp6/helpers.py` `unpack_fp6_from_uint8`),
///   `pack-quantized` (`compressors/pack_quantized/helpers.py` `unpack_from_int32`),
///   `float-quantized`, `int-quantized`, `naive-quantized` and `mxfp8-quantized`
///   (`compressors/naive_quantized/base.py`), all through `quantization/lifecycle/forward.py`
///   `dequantize`.
/// - gpt-oss MXFP4 experts (openai/gpt-oss `gpt_oss/torch/weights.py` `_get_mxfp4_tensor`):
///   `X_blocks`/`X_scales` (Hugging Face names) or `X.blocks`/`X.scales`.
/// - FP8 with `weight_scale_inv` per block (deepseek-ai/DeepSeek-V3 `inference/kernel.py`
///   `weight_dequant`, used by `inference/fp8_cast_bf16.py`).
/// - GPTQ and AutoRound's GPTQ packing (AutoGPTQ `nn_modules/qlinear/qlinear_cuda_old.py`):
///   `qweight`, `qzeros`, `scales`, `g_idx`.
///
/// Parts that disagree (a byte count that does not fit the shape and scheme, a scale tensor of
/// the wrong shape) make the model unreadable: one `TensorFileError` naming the file and the
/// tensor. A weight whose convention is known but whose variant tscope does not read (an unknown
/// compressed-tensors format, 3-bit GPTQ) is listed with a reason; the rest of the model loads.
enum ShippedWeights {
  /// The model's tensors with shipped weights assembled; `folder` holds the model's config.
  static func assemble(_ tensors: [Tensor], folder: String?) throws(TensorFileError) -> [Tensor] {
    guard tensors.contains(where: { looksLikePart($0.info.name) }) else { return tensors }
    return try assemble(tensors, config: QuantizationConfig.load(folder: folder))
  }

  /// The model's tensors with shipped weights assembled under `config` (nil: no config file).
  static func assemble(_ tensors: [Tensor], config: QuantizationConfig?) throws(TensorFileError) -> [Tensor] {
    guard tensors.contains(where: { looksLikePart($0.info.name) }) else { return tensors }
    var builder = Builder(tensors: tensors, config: config)
    try builder.run()
    return builder.result()
  }

  private static func looksLikePart(_ name: String) -> Bool {
    name.hasSuffix(".weight_packed") || name.hasSuffix(".weight_scale") || name.hasSuffix(".weight_scale_inv")
      || name.hasSuffix(".qweight") || name.hasSuffix("_blocks") || name.hasSuffix(".blocks")
  }
}

/// One pass over a model's tensors: finds each shipped weight's parts, checks them, and records
/// the logical tensor that replaces them.
private struct Builder {
  let tensors: [Tensor]
  let config: QuantizationConfig?
  let index: [String: Int]
  /// Logical tensors by the position of their packed values; parts that disappear.
  var replacements: [Int: Tensor] = [:]
  var consumed: Set<Int> = []

  init(tensors: [Tensor], config: QuantizationConfig?) {
    self.tensors = tensors
    self.config = config
    var index: [String: Int] = [:]
    for (position, tensor) in tensors.enumerated() { index[tensor.info.name] = position }
    self.index = index
  }

  func result() -> [Tensor] {
    tensors.indices.compactMap { position in
      replacements[position] ?? (consumed.contains(position) ? nil : tensors[position])
    }
  }

  func part(_ name: String) -> Tensor? { index[name].map { tensors[$0] } }

  func fail(_ tensor: Tensor, _ problem: String) -> TensorFileError {
    TensorFileError(file: tensor.info.file, problem: "tensor \(MessageText.quoted(tensor.info.name)) \(problem)")
  }

  mutating func run() throws(TensorFileError) {
    let method = config?.method
    for tensor in tensors {
      let name = tensor.info.name
      if method == "compressed-tensors", name.hasSuffix(".weight_packed") {
        try compressedTensorsPacked(prefix: String(name.dropLast(".weight_packed".count)))
      } else if method == "compressed-tensors", name.hasSuffix(".weight_scale") {
        try compressedTensorsUnpacked(prefix: String(name.dropLast(".weight_scale".count)))
      } else if name.hasSuffix(".weight_scale_inv") {
        try blockFP8(prefix: String(name.dropLast(".weight_scale_inv".count)))
      } else if name.hasSuffix(".qweight") {
        try gptq(prefix: String(name.dropLast(".qweight".count)))
      } else if name.hasSuffix("_blocks") || name.hasSuffix(".blocks") {
        try gptOSS(blocksName: name)
      }
    }
  }

  // MARK: Recording

  /// Replaces `parts` by `logical`, placed where `values` was.
  mutating func record(_ logical: Tensor, values: Tensor, parts: [Tensor?]) {
    for case let part? in parts { if let position = index[part.info.name] { consumed.insert(position) } }
    if let position = index[values.info.name] { replacements[position] = logical }
  }

  mutating func record(
    name: String, shape: [Int], format: String, parts: ShippedParts, others: [Tensor?]
  ) {
    let info = TensorInfo(
      name: name, dtype: .shipped(ShippedFormat(name: format)), shape: shape, file: parts.values.info.file)
    record(Tensor(info: info, parts: parts), values: parts.values, parts: parts.all.map { Optional($0) } + others)
  }

  /// Lists the weight with the reason tscope does not decode it; its parts disappear.
  mutating func recordUnreadable(
    name: String, shape: [Int], format: String, reason: String, values: Tensor, parts: [Tensor?]
  ) {
    let info = TensorInfo(
      name: name, dtype: .shipped(ShippedFormat(name: format, unreadableReason: reason)), shape: shape,
      file: values.info.file)
    record(Tensor(info: info, storage: values.storage, bytes: values.bytes), values: values, parts: [values] + parts)
  }

  // MARK: Small parts read on open

  /// A `weight_shape`: dimensions that are not negative and whose product, times 64 (the widest
  /// arithmetic on it: bits a value, words a row), fits in `Int` (scripts/fuzz found an overflow).
  func weightShape(_ tensor: Tensor) throws(TensorFileError) -> [Int] {
    let shape = try integers(tensor)
    guard let count = ShapeArithmetic.elementCount(shape), count <= Int.max / 64 else {
      throw fail(tensor, "says \(shape), which is not a weight's shape")
    }
    return shape
  }

  /// The integers of a tiny I64/I32 tensor such as `weight_shape`.
  func integers(_ tensor: Tensor) throws(TensorFileError) -> [Int] {
    let width: Int
    switch tensor.info.dtype {
    case .i64: width = 8
    case .i32: width = 4
    default: throw fail(tensor, "is \(tensor.info.dtype), not I64 or I32")
    }
    guard tensor.count <= 8 else { throw fail(tensor, "holds \(tensor.count) values, not a shape") }
    try tensor.checkFileUnchanged()
    return (0..<tensor.count).map { position in
      width == 8
        ? Int(Int64(littleEndian: tensor.bytes.loadUnaligned(fromByteOffset: position * 8, as: Int64.self)))
        : Int(Int32(littleEndian: tensor.bytes.loadUnaligned(fromByteOffset: position * 4, as: Int32.self)))
    }
  }

  func requireScaleDType(_ scale: Tensor, _ allowed: [DType]) throws(TensorFileError) {
    guard allowed.contains(scale.info.dtype) else {
      throw fail(
        scale, "is \(scale.info.dtype); a scale here is \(allowed.map(\.description).joined(separator: " or "))")
    }
  }

  static func rounding(of scale: Tensor) -> ShippedParts.Rounding {
    switch scale.info.dtype {
    case .bf16: .bfloat16
    case .f16: .half
    default: .single
    }
  }

  // MARK: compressed-tensors

  /// The weights arguments and format of the config group for module `prefix`: the group whose
  /// `re:` target matches it or which names it, else the only group, else the groups' common args.
  func compressedTensorsGroup(prefix: String) -> (weights: JSONValue?, format: String?) {
    let global = config?["format"]?.text
    guard case .object(let groups)? = config?["config_groups"], !groups.isEmpty else { return (nil, global) }
    func matches(_ group: JSONValue) -> Bool {
      guard case .array(let targets)? = group["targets"] else { return false }
      return targets.contains { target in
        guard let text = target.text else { return false }
        if text.hasPrefix("re:") {
          let pattern = String(text.dropFirst(3))
          return prefix.range(of: pattern, options: [.regularExpression, .anchored]) != nil
        }
        return text == prefix
      }
    }
    let chosen = groups.first(where: { matches($0.value) })?.value ?? (groups.count == 1 ? groups[0].value : nil)
    if let chosen { return (chosen["weights"], chosen["format"]?.text ?? global) }
    let weights = groups.map { $0.value["weights"] }
    return (weights.allSatisfy { $0 == weights[0] } ? weights[0] : nil, global)
  }

  mutating func compressedTensorsPacked(prefix: String) throws(TensorFileError) {
    guard let packed = part(prefix + ".weight_packed") else { return }
    let scale = part(prefix + ".weight_scale")
    let globalScale = part(prefix + ".weight_global_scale")
    let zeroPoint = part(prefix + ".weight_zero_point")
    let shapeTensor = part(prefix + ".weight_shape")
    let allParts = [scale, globalScale, zeroPoint, shapeTensor]
    let (weights, format) = compressedTensorsGroup(prefix: prefix)
    let declaredShape = try shapeTensor.map { (tensor) throws(TensorFileError) in try weightShape(tensor) }
    let name = prefix + ".weight"
    switch format {
    case "nvfp4-pack-quantized", "mxfp4-pack-quantized", "mxfp6-pack-quantized":
      let isNV = format == "nvfp4-pack-quantized"
      let isFP6 = format == "mxfp6-pack-quantized"
      let codes = isFP6 ? "E2M3" : "E2M1"
      guard let scale else { throw fail(packed, "has no \(prefix).weight_scale") }
      guard packed.info.dtype == .u8, packed.info.shape.count == 2, !isFP6 || packed.info.shape[1] % 3 == 0 else {
        throw fail(
          packed,
          "is \(packed.info.dtype) \(packed.info.shape); \(format!) packs \(isFP6 ? "four E2M3 codes in three U8s" : "two E2M1 codes a U8"), 2-D"
        )
      }
      let rows = packed.info.shape[0]
      let columns = isFP6 ? packed.info.shape[1] / 3 * 4 : packed.info.shape[1] * 2
      if let declaredShape, declaredShape != [rows, columns] {
        throw fail(
          packed,
          "holds \(packed.bytes.count) bytes, \(rows)×\(columns) \(codes) codes, but \(prefix).weight_shape says \(declaredShape)"
        )
      }
      let block = isNV ? 16 : 32
      guard columns % block == 0, scale.info.shape == [rows, columns / block] else {
        throw fail(
          scale,
          "has shape \(scale.info.shape); \(format!) of a \(rows)×\(columns) weight needs [\(rows), \(columns / block)]"
        )
      }
      var rule = ShippedParts.ScaleRule.value
      if isNV {
        try requireScaleDType(scale, [.f8E4M3, .bf16, .f16, .f32])
        guard let globalScale, globalScale.info.dtype == .f32, globalScale.count == 1 else {
          throw fail(scale, "needs \(prefix).weight_global_scale, one F32 value")
        }
        try globalScale.checkFileUnchanged()
        rule = .divided(by: ShippedParts.float(globalScale, 0))
      } else {
        try requireScaleDType(scale, [.u8, .f8E8M0])
        if scale.info.dtype == .u8 { rule = .exponent }
      }
      let formatName = isNV ? "CT-NVFP4" : isFP6 ? "CT-MXFP6" : "CT-MXFP4"
      guard zeroPoint == nil else {
        recordUnreadable(
          name: name, shape: [rows, columns], format: formatName,
          reason: "asymmetric \(format!) (with weight_zero_point) is not read", values: packed, parts: allParts)
        return
      }
      let parts = ShippedParts(
        values: packed, scales: scale, others: [globalScale, shapeTensor].compactMap { $0 },
        elements: isFP6 ? .e2m3Packed : .e2m1,
        columns: columns, blockHeight: 1, blockWidth: block, scaleColumns: columns / block, rule: rule,
        rounding: .bfloat16)
      record(name: name, shape: [rows, columns], format: formatName, parts: parts, others: allParts)
    case "pack-quantized":
      try compressedTensorsIntegers(
        prefix: prefix, packed: packed, scale: scale, zeroPoint: zeroPoint, shapeTensor: shapeTensor,
        declaredShape: declaredShape, weights: weights)
    default:
      let shape = declaredShape ?? packed.info.shape
      recordUnreadable(
        name: name, shape: shape, format: "CT-" + (format ?? "unknown"),
        reason: format.map { "compressed-tensors format \"\($0)\" is not one tscope reads" }
          ?? "the compressed-tensors config names no format for this weight",
        values: packed, parts: allParts)
    }
  }

  mutating func compressedTensorsIntegers(
    prefix: String, packed: Tensor, scale: Tensor?, zeroPoint: Tensor?, shapeTensor: Tensor?,
    declaredShape: [Int]?, weights: JSONValue?
  ) throws(TensorFileError) {
    let name = prefix + ".weight"
    guard let scale else { throw fail(packed, "has no \(prefix).weight_scale") }
    guard let shape = declaredShape, shape.count >= 2, shape.allSatisfy({ $0 > 0 }) else {
      throw fail(packed, "needs \(prefix).weight_shape, the weight's shape")
    }
    guard packed.info.dtype == .i32, packed.info.shape.count == shape.count else {
      throw fail(packed, "is \(packed.info.dtype) \(packed.info.shape); pack-quantized packs I32 words, one row a row")
    }
    let columns = shape[shape.count - 1]
    let rows = shape.dropLast().reduce(1, *)
    let words = packed.info.shape[packed.info.shape.count - 1]
    guard packed.info.shape.dropLast() == shape.dropLast() else {
      throw fail(packed, "has shape \(packed.info.shape) but \(prefix).weight_shape says \(shape)")
    }
    let allParts = [scale, zeroPoint, shapeTensor]
    // Bits: the config's, else the one width the packed rows fit.
    let candidates = (1...8).filter { bits in
      words == (columns * bits + 31) / 32 || words == (columns + 32 / bits - 1) / (32 / bits)
    }
    let bits = weights?["num_bits"]?.integer ?? (candidates.count == 1 ? candidates[0] : 0)
    guard (1...8).contains(bits) else {
      throw fail(packed, "holds \(words) words a row, which fits no single bit width for \(columns) columns")
    }
    let denseWords = (columns * bits + 31) / 32
    let paddedWords = (columns + 32 / bits - 1) / (32 / bits)
    guard words == denseWords || words == paddedWords else {
      throw fail(
        packed,
        "holds \(packed.bytes.count) bytes, \(words) words a row, but \(bits)-bit values of weight_shape \(shape) need \(denseWords) a row"
      )
    }
    let dense = words == denseWords
    let symmetric = zeroPoint == nil
    // Scale layout: one (tensor), one a row (channel) or one a group of columns.
    let scaleColumns: Int
    let blockWidth: Int
    let blockHeight: Int
    let strategy: String
    if scale.count == 1 {
      (scaleColumns, blockWidth, blockHeight, strategy) = (1, columns, rows, "T")
    } else if scale.info.shape.count == shape.count, Array(scale.info.shape.dropLast()) == Array(shape.dropLast()),
      let groups = scale.info.shape.last, groups > 0, columns % groups == 0,
      weights?["group_size"]?.integer.map({ columns / groups == $0 }) ?? true
    {
      (scaleColumns, blockWidth, blockHeight) = (groups, columns / groups, 1)
      strategy = groups == 1 ? "CH" : "G\(columns / groups)"
    } else {
      throw fail(
        scale, "has shape \(scale.info.shape), which is no tensor, channel or group scale of a \(shape) weight")
    }
    try requireScaleDType(scale, [.bf16, .f16, .f32])
    let format = "CT-INT\(bits)-\(strategy)" + (symmetric ? "" : "-ASYM")
    if !dense && bits != 1 && bits != 2 && bits != 4 && bits != 8 && words == denseWords {
      recordUnreadable(
        name: name, shape: shape, format: format,
        reason:
          "\(bits)-bit rows of \(columns) take \(words) words in both compressed-tensors packings (before and after PR #715), so which one is meant is not known",
        values: packed, parts: allParts)
      return
    }
    if zeroPoint != nil && shape.count != 2 {
      recordUnreadable(
        name: name, shape: shape, format: format,
        reason: "asymmetric pack-quantized weights of more than 2 dimensions are not read", values: packed,
        parts: allParts)
      return
    }
    if let zeroPoint {
      let zeroRows = dense ? (rows * bits + 31) / 32 : (rows + 32 / bits - 1) / (32 / bits)
      guard zeroPoint.info.dtype == .i32, zeroPoint.info.shape == [zeroRows, scaleColumns] else {
        throw fail(
          zeroPoint,
          "has shape \(zeroPoint.info.shape); packed zero points of this weight are I32 [\(zeroRows), \(scaleColumns)]")
      }
    }
    let parts = ShippedParts(
      values: packed, scales: scale, zeroPoints: zeroPoint, others: shapeTensor.map { [$0] } ?? [],
      elements: .packedIntegers(bits: bits, wordsPerRow: words, dense: dense), columns: columns,
      blockHeight: blockHeight, blockWidth: blockWidth, scaleColumns: scaleColumns, rule: .value,
      rounding: Self.rounding(of: scale))
    record(name: name, shape: shape, format: format, parts: parts, others: allParts)
  }

  /// `float-quantized`, `int-quantized`, `naive-quantized`, `mxfp8-quantized`: the weight is stored
  /// under its own name in FP8 or I8, beside `weight_scale`; `dequantize` computes element × scale
  /// in the scale's dtype.
  mutating func compressedTensorsUnpacked(prefix: String) throws(TensorFileError) {
    guard let weight = part(prefix + ".weight"), let scale = part(prefix + ".weight_scale"),
      part(prefix + ".weight_packed") == nil
    else { return }
    let (weights, format) = compressedTensorsGroup(prefix: prefix)
    let name = prefix + ".weight"
    let zeroPoint = part(prefix + ".weight_zero_point")
    let shape = weight.info.shape
    // A float weight beside a scale (a `dense` module kept unquantized) is read as it is.
    if [.f32, .f16, .bf16].contains(weight.info.dtype) { return }
    let isInteger = weight.info.dtype == .i8
    guard shape.count >= 2, isInteger || weight.info.dtype == .f8E4M3 || weight.info.dtype == .f8E5M2 else {
      // Another layout: listed, not guessed.
      recordUnreadable(
        name: name, shape: shape, format: "CT-" + (format ?? "unknown"),
        reason: "compressed-tensors \(format ?? "format") with a \(weight.info.dtype) weight is not read",
        values: weight, parts: [scale, zeroPoint])
      return
    }
    let columns = shape[shape.count - 1]
    let rows = shape.dropLast().reduce(1, *)
    let isMX = format == "mxfp8-quantized"
    let scaleShape = scale.info.shape
    let height: Int
    let width: Int
    let strategy: String
    if scale.count == 1 {
      (height, width, strategy) = (rows, columns, "T")
    } else if case .array(let block)? = weights?["block_structure"], block.count == 2,
      let blockRows = block[0].integer, let blockColumns = block[1].integer, blockRows > 0, blockColumns > 0
    {
      guard shape.count == 2,
        scaleShape == [(rows + blockRows - 1) / blockRows, (columns + blockColumns - 1) / blockColumns]
      else {
        throw fail(
          scale,
          "has shape \(scaleShape); \(blockRows)×\(blockColumns) blocks of a \(shape) weight need [\((rows + blockRows - 1) / blockRows), \((columns + blockColumns - 1) / blockColumns)]"
        )
      }
      (height, width, strategy) = (blockRows, blockColumns, "B\(blockRows)x\(blockColumns)")
    } else if scaleShape.count == shape.count, Array(scaleShape.dropLast()) == Array(shape.dropLast()),
      let groups = scaleShape.last, groups > 0, columns % groups == 0
    {
      (height, width, strategy) = (1, columns / groups, groups == 1 ? "CH" : "G\(columns / groups)")
    } else {
      throw fail(
        scale, "has shape \(scaleShape), which is no tensor, channel, group or block scale of a \(shape) weight")
    }
    let formatName = isMX ? "CT-MXFP8" : isInteger ? "CT-INT8-\(strategy)" : "CT-FP8-\(strategy)"
    guard zeroPoint == nil else {
      recordUnreadable(
        name: name, shape: shape, format: formatName,
        reason: "asymmetric \(isInteger ? "INT8" : "FP8") (with weight_zero_point) is not read",
        values: weight, parts: [scale, zeroPoint])
      return
    }
    if isMX && !isInteger {
      try requireScaleDType(scale, [.u8, .f8E8M0])
    } else {
      try requireScaleDType(scale, [.bf16, .f16, .f32])
    }
    let parts = ShippedParts(
      values: weight, scales: scale, elements: isInteger ? .int8 : .float8(weight.info.dtype), columns: columns,
      blockHeight: height, blockWidth: width, scaleColumns: scaleShape.last ?? 1,
      rule: isMX && scale.info.dtype == .u8 ? .exponent : .value, rounding: isMX ? .bfloat16 : Self.rounding(of: scale))
    record(name: name, shape: shape, format: formatName, parts: parts, others: [])
  }

  // MARK: gpt-oss

  mutating func gptOSS(blocksName: String) throws(TensorFileError) {
    let dotted = blocksName.hasSuffix(".blocks")
    let stem = String(blocksName.dropLast(dotted ? ".blocks".count : "_blocks".count))
    guard let blocks = part(blocksName), let scales = part(stem + (dotted ? ".scales" : "_scales")),
      blocks.info.dtype == .u8, blocks.info.shape.last == 16, blocks.info.shape.count >= 2
    else { return }
    let prefix = Array(blocks.info.shape.dropLast(2))
    let groups = blocks.info.shape[blocks.info.shape.count - 2]
    guard scales.info.dtype == .u8 || scales.info.dtype == .f8E8M0,
      scales.info.shape == Array(blocks.info.shape.dropLast())
    else {
      throw fail(
        scales,
        "is \(scales.info.dtype) \(scales.info.shape); the E8M0 scales of \(blocksName) are U8 \(Array(blocks.info.shape.dropLast()))"
      )
    }
    let columns = groups * 32
    let parts = ShippedParts(
      values: blocks, scales: scales, elements: .e2m1, columns: columns, blockHeight: 1, blockWidth: 32,
      scaleColumns: groups, rule: scales.info.dtype == .u8 ? .exponent : .value, rounding: .bfloat16)
    record(name: stem, shape: prefix + [columns], format: "GPTOSS-MXFP4", parts: parts, others: [])
  }

  // MARK: FP8 with block scales (DeepSeek-V3)

  mutating func blockFP8(prefix: String) throws(TensorFileError) {
    guard let weight = part(prefix + ".weight"), let scale = part(prefix + ".weight_scale_inv") else { return }
    guard weight.info.dtype == .f8E4M3 || weight.info.dtype == .f8E5M2, weight.info.shape.count == 2 else {
      throw fail(weight, "is \(weight.info.dtype) \(weight.info.shape); weight_scale_inv scales a 2-D FP8 weight")
    }
    var blockRows = 128
    var blockColumns = 128
    if case .array(let block)? = config?["weight_block_size"], block.count == 2, let height = block[0].integer,
      let width = block[1].integer, height > 0, width > 0
    {
      (blockRows, blockColumns) = (height, width)
    }
    let (rows, columns) = (weight.info.shape[0], weight.info.shape[1])
    let expected = [(rows + blockRows - 1) / blockRows, (columns + blockColumns - 1) / blockColumns]
    guard scale.info.shape == expected else {
      throw fail(
        scale,
        "has shape \(scale.info.shape); \(blockRows)×\(blockColumns) blocks of a \(rows)×\(columns) weight need \(expected)"
      )
    }
    try requireScaleDType(scale, [.f32, .bf16])
    let parts = ShippedParts(
      values: weight, scales: scale, elements: .float8(weight.info.dtype), columns: columns, blockHeight: blockRows,
      blockWidth: blockColumns, scaleColumns: expected[1], rule: .value, rounding: .bfloat16)
    record(
      name: prefix + ".weight", shape: [rows, columns], format: "FP8-B\(blockRows)x\(blockColumns)", parts: parts,
      others: [])
  }

  // MARK: GPTQ

  mutating func gptq(prefix: String) throws(TensorFileError) {
    guard let qweight = part(prefix + ".qweight") else { return }
    guard let qzeros = part(prefix + ".qzeros"), let scales = part(prefix + ".scales") else {
      throw fail(qweight, "has no \(prefix).qzeros and \(prefix).scales beside it")
    }
    let groupIndex = part(prefix + ".g_idx")
    let allParts = [qzeros, scales, groupIndex]
    guard qweight.info.dtype == .i32, qweight.info.shape.count == 2, qzeros.info.dtype == .i32,
      qzeros.info.shape.count == 2
    else {
      throw fail(
        qweight, "is \(qweight.info.dtype) \(qweight.info.shape); GPTQ packs I32 [in·bits/32, out] with I32 qzeros")
    }
    let outputs = qweight.info.shape[1]
    let method = config?.method
    let isAutoRound = method?.contains("auto-round") == true || method?.contains("auto_round") == true
    let packing = config?["packing_format"]?.text ?? config?["checkpoint_format"]?.text ?? "gptq"
    // Bits: the config's, else what the zero points' width implies.
    let impliedBits = qzeros.info.shape[1] > 0 ? qzeros.info.shape[1] * 32 / outputs : 0
    let bits = config?["bits"]?.integer ?? impliedBits
    let label = (isAutoRound ? "AUTOROUND" : "GPTQ") + "-INT\(bits)"
    let inputsGuess = bits > 0 ? qweight.info.shape[0] * 32 / bits : qweight.info.shape[0]
    guard bits == 2 || bits == 4 || bits == 8 else {
      recordUnreadable(
        name: prefix + ".weight", shape: [outputs, inputsGuess], format: label,
        reason: "\(bits)-bit GPTQ packing is not read (tscope reads 2, 4 and 8 bits)", values: qweight, parts: allParts)
      return
    }
    if packing.contains("awq") {
      recordUnreadable(
        name: prefix + ".weight", shape: [outputs, inputsGuess], format: label,
        reason: "packing \"\(packing)\" (AWQ's order) is not read", values: qweight, parts: allParts)
      return
    }
    let perWord = 32 / bits
    let inputs = qweight.info.shape[0] * perWord
    let groups = scales.info.shape.first ?? 0
    guard scales.info.shape == [groups, outputs], groups > 0 else {
      throw fail(scales, "has shape \(scales.info.shape); GPTQ scales of \(outputs) outputs are [groups, \(outputs)]")
    }
    try requireScaleDType(scales, [.f16, .bf16, .f32])
    guard outputs % perWord == 0, qzeros.info.shape == [groups, outputs / perWord] else {
      throw fail(
        qzeros,
        "holds \(qzeros.bytes.count) bytes, shape \(qzeros.info.shape), but \(bits)-bit zeros of \(groups) groups × \(outputs) outputs are [\(groups), \(outputs / max(perWord, 1))]"
      )
    }
    let configured = config?["group_size"]?.integer
    let groupSize = configured.map { $0 <= 0 ? inputs : $0 } ?? (inputs + groups - 1) / groups
    guard (inputs + groupSize - 1) / groupSize == groups else {
      throw fail(
        scales,
        "has \(groups) groups, but \(inputs) inputs in groups of \(groupSize) make \((inputs + groupSize - 1) / groupSize)"
      )
    }
    if let groupIndex {
      guard groupIndex.info.dtype == .i32, groupIndex.count == inputs else {
        throw fail(groupIndex, "is \(groupIndex.info.dtype) \(groupIndex.info.shape); g_idx is I32 [\(inputs)]")
      }
    }
    // GPTQ v1 (AutoGPTQ, AutoRound's auto_gptq packing) stores zeros minus one; v2 (GPTQModel) does not.
    let zeroOffset = packing.contains("v2") || packing.contains("gptqmodel") ? 0 : 1
    let parts = ShippedParts(
      values: qweight, scales: scales, zeroPoints: qzeros,
      elements: .gptq(
        bits: bits, outputs: outputs, groups: groups, groupSize: groupSize, zeroOffset: zeroOffset,
        groupIndex: groupIndex),
      columns: inputs, blockHeight: 1, blockWidth: groupSize, scaleColumns: outputs, rule: .value,
      rounding: Self.rounding(of: scales))
    let groupText = groupSize == inputs ? "CH" : "G\(groupSize)"
    record(
      name: prefix + ".weight", shape: [outputs, inputs], format: "\(label)-\(groupText)", parts: parts,
      others: allParts)
  }
}
