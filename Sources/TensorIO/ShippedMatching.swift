/// A shipped tensor and the original tensor it was made from.
public struct ShippedPair: Sendable {
  public let shipped: Tensor
  public let original: Tensor
  /// For each row of `shipped`, the row of `original` it holds, where a converter reordered
  /// rows (llama.cpp's rotary permutation of q/k); nil when the order is the same.
  public let originalRows: [Int]?

  public init(shipped: Tensor, original: Tensor, originalRows: [Int]?) {
    self.shipped = shipped
    self.original = original
    self.originalRows = originalRows
  }
}

/// A tensor of either model that has no partner to be compared with, and why.
public struct ShippedMismatch: Sendable {
  /// The original's tensor (nil when the original has none for this shipped tensor).
  public let original: Tensor?
  /// The shipped model's tensor (nil when the shipped model has none for this original tensor).
  public let shipped: Tensor?
  public let reason: String
}

/// Which tensor of a shipped (quantized) model was made from which tensor of its original: the
/// one rule `tscope diff` and the explorer's `--against` share.
public enum ShippedMatching {
  /// GGUF architectures whose converter (convert_hf_to_gguf.py `LlamaModel.modify_tensors`)
  /// permutes the rows of q_proj and k_proj (weights and biases) for its rotary layout.
  static let permutingArchitectures: Set<String> = ["llama"]

  /// The quantized types of the original's tensors when the arguments look swapped: some paired
  /// original is quantized while every paired shipped tensor is a wide float (F32/F16/BF16/F64),
  /// so the "shipped" model is the more precise one. Empty otherwise (two quantized models can be
  /// compared on purpose).
  public static func swappedLook(_ pairs: [ShippedPair]) -> [String] {
    guard pairs.allSatisfy({ $0.shipped.info.dtype.isWideFloat }) else { return [] }
    var types: [String] = []
    for pair in pairs where !pair.original.info.dtype.isWideFloat {
      let name = pair.original.info.dtype.description
      if !types.contains(name) { types.append(name) }
    }
    return types
  }

  /// Every shipped tensor paired with its original (by the same name, else by llama.cpp's
  /// Hugging Face ↔ GGUF name map), and everything that could not be paired: shipped tensors in
  /// the shipped model's order, then the original's tensors the shipped model lacks.
  public static func match(original: Model, shipped: Model) -> (pairs: [ShippedPair], unmatched: [ShippedMismatch]) {
    var pairs: [ShippedPair] = []
    var unmatched: [ShippedMismatch] = []
    var used = Set<String>()
    for info in shipped.tensors {
      let tensor = shipped.tensor(named: info.name)!
      let candidates = [info.name, TensorNames.hfName(forGGUF: info.name), TensorNames.ggufName(forHF: info.name)]
      guard
        let originalName = candidates.compactMap({ $0 }).first(where: {
          !used.contains($0) && original.tensor(named: $0) != nil
        })
      else {
        unmatched.append(
          ShippedMismatch(
            original: nil, shipped: tensor, reason: "the original has no tensor by this name or its llama.cpp name"))
        continue
      }
      used.insert(originalName)
      let source = original.tensor(named: originalName)!
      if let reason = tensor.info.dtype.unanalysableReason {
        unmatched.append(ShippedMismatch(original: source, shipped: tensor, reason: "shipped: " + reason))
        continue
      }
      if let reason = source.info.dtype.unanalysableReason {
        unmatched.append(ShippedMismatch(original: source, shipped: tensor, reason: "original: " + reason))
        continue
      }
      guard info.shape == source.info.shape else {
        unmatched.append(
          ShippedMismatch(
            original: source, shipped: tensor,
            reason: "shape \(info.shape) against the original's \(source.info.shape) (outermost first)"))
        continue
      }
      switch rowMap(original: original, originalName: originalName, shipped: shipped, shippedName: info.name) {
      case .success(let rows):
        pairs.append(ShippedPair(shipped: tensor, original: source, originalRows: rows))
      case .failure(let problem):
        unmatched.append(ShippedMismatch(original: source, shipped: tensor, reason: problem.text))
      }
    }
    for info in original.tensors where !used.contains(info.name) {
      unmatched.append(
        ShippedMismatch(
          original: original.tensor(named: info.name)!, shipped: nil, reason: "the shipped model has no such tensor"))
    }
    return (pairs, unmatched)
  }

  /// Why a pair cannot be compared row for row.
  struct Problem: Error { let text: String }

  /// The row map undoing llama.cpp's q/k permutation when one side is a GGUF of a permuting
  /// architecture and the other names the tensor the Hugging Face way; nil when rows agree.
  static func rowMap(original: Model, originalName: String, shipped: Model, shippedName: String) -> Result<
    [Int]?, Problem
  > {
    guard originalName != shippedName else { return .success(nil) }
    let shippedIsGGUF = TensorNames.hfName(forGGUF: shippedName) == originalName
    let gguf = shippedIsGGUF ? shipped : original
    let ggufName = shippedIsGGUF ? shippedName : originalName
    let parts = ggufName.split(separator: ".")
    let module = parts.last == "weight" || parts.last == "bias" ? parts.dropLast() : parts[...]
    let stem = module.last.map(String.init) ?? ""
    guard stem == "attn_q" || stem == "attn_k" else { return .success(nil) }
    let architecture = gguf.metadata["general.architecture"] ?? ""
    guard permutingArchitectures.contains(architecture) else { return .success(nil) }
    guard let heads = Int(gguf.metadata["\(architecture).attention.head_count"] ?? "") else {
      return .failure(Problem(text: "\(architecture).attention.head_count is missing: cannot undo the q/k permutation"))
    }
    let kvHeads = Int(gguf.metadata["\(architecture).attention.head_count_kv"] ?? "") ?? heads
    let groups = stem == "attn_q" ? heads : kvHeads
    let rows = gguf.tensor(named: ggufName)!.info.shape.first ?? 1
    guard groups > 0, rows % (2 * groups) == 0 else {
      return .failure(Problem(text: "\(rows) rows do not split into \(groups) heads of two rotary halves"))
    }
    let permuted = permutedRows(rows: rows, heads: groups)
    if shippedIsGGUF { return .success(permuted) }
    var inverse = [Int](repeating: 0, count: rows)
    for (ggufRow, hfRow) in permuted.enumerated() { inverse[hfRow] = ggufRow }
    return .success(inverse)
  }

  /// For each GGUF row, the Hugging Face row llama.cpp's `LlamaModel.permute` took it from:
  /// `w.reshape(heads, 2, half, …).swapaxes(1, 2).reshape(w.shape)`, so GGUF row
  /// `h·2·half + 2i + j` is Hugging Face row `h·2·half + j·half + i`.
  public static func permutedRows(rows: Int, heads: Int) -> [Int] {
    let half = rows / heads / 2
    return (0..<rows).map { ggufRow in
      let head = ggufRow / (2 * half)
      let within = ggufRow % (2 * half)
      return head * 2 * half + (within % 2) * half + within / 2
    }
  }
}

extension Tensor {
  /// Stored bits per weight: the bytes of every stored part (scales included) × 8 / elements;
  /// nil for a dtype tscope does not decode or an empty tensor.
  public var storedBitsPerWeight: Double? {
    guard info.dtype.isAnalysable, count > 0 else { return nil }
    return Double(storedByteCount) * 8 / Double(count)
  }
}
