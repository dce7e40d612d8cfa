import Foundation
import Kernels
import TensorIO

/// One line of `tscope diff`: a shipped tensor measured against its original, or a tensor of
/// either model with the reason it was not compared (nothing is dropped silently).
public struct ShippedDiffRow: Sendable {
  /// The original's tensor (nil when the original has none for this shipped tensor).
  public let originalName: String?
  /// The shipped model's tensor (nil when the shipped model has none for this original tensor).
  public let shippedName: String?
  /// The shipped dtype: a GGML type name (`Q4_K`) or a checkpoint's shipped format.
  public let shippedType: String?
  public let layerType: LayerType
  public let count: Int
  /// Stored bits per weight of the shipped tensor (its bytes, scales included, × 8 / count).
  public let bitsPerWeight: Double?
  public let storedBytes: Int?
  public let error: ShippedError?
  /// Why the tensor was not compared; nil for a measured row.
  public let reason: String?
}

/// A shipped tensor and the original tensor it was made from.
public struct ShippedPair: Sendable {
  public let shipped: Tensor
  public let original: Tensor
  /// For each row of `shipped`, the row of `original` it holds, where a converter reordered
  /// rows (llama.cpp's rotary permutation of q/k); nil when the order is the same.
  public let originalRows: [Int]?
}

/// Matches the tensors of a shipped model to those of its original and measures each pair.
public enum ShippedDiff {
  /// GGUF architectures whose converter (convert_hf_to_gguf.py `LlamaModel.modify_tensors`)
  /// permutes the rows of q_proj and k_proj (weights and biases) for its rotary layout.
  static let permutingArchitectures: Set<String> = ["llama"]

  /// Every shipped tensor paired with its original (by the same name, else by llama.cpp's
  /// Hugging Face ↔ GGUF name map), and the rows for everything that could not be paired.
  public static func match(original: Model, shipped: Model) -> (pairs: [ShippedPair], unmatched: [ShippedDiffRow]) {
    var pairs: [ShippedPair] = []
    var unmatched: [ShippedDiffRow] = []
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
          row(original: nil, shipped: tensor, reason: "the original has no tensor by this name or its llama.cpp name"))
        continue
      }
      used.insert(originalName)
      let source = original.tensor(named: originalName)!
      if let reason = tensor.info.dtype.unanalysableReason {
        unmatched.append(row(original: source, shipped: tensor, reason: "shipped: " + reason))
        continue
      }
      if let reason = source.info.dtype.unanalysableReason {
        unmatched.append(row(original: source, shipped: tensor, reason: "original: " + reason))
        continue
      }
      guard info.shape == source.info.shape else {
        unmatched.append(
          row(
            original: source, shipped: tensor,
            reason: "shape \(info.shape) against the original's \(source.info.shape) (outermost first)"))
        continue
      }
      switch rowMap(original: original, originalName: originalName, shipped: shipped, shippedName: info.name) {
      case .success(let rows):
        pairs.append(ShippedPair(shipped: tensor, original: source, originalRows: rows))
      case .failure(let problem):
        unmatched.append(row(original: source, shipped: tensor, reason: problem.text))
      }
    }
    for info in original.tensors where !used.contains(info.name) {
      unmatched.append(
        row(original: original.tensor(named: info.name)!, shipped: nil, reason: "the shipped model has no such tensor"))
    }
    return (pairs, unmatched)
  }

  /// The measured row of a pair.
  public static func measure(_ pair: ShippedPair) -> ShippedDiffRow {
    let error = ShippedErrorPass.measure(
      shipped: pair.shipped, original: pair.original, originalRows: pair.originalRows)
    return row(original: pair.original, shipped: pair.shipped, error: error)
  }

  /// Why a pair cannot be compared row for row.
  public struct Problem: Error { public let text: String }

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

  static func row(original: Tensor?, shipped: Tensor?, error: ShippedError? = nil, reason: String? = nil)
    -> ShippedDiffRow
  {
    let name = original?.info.name ?? shipped?.info.name ?? ""
    let count = shipped?.count ?? original?.count ?? 0
    let bytes = shipped.flatMap { $0.info.dtype.isAnalysable ? $0.storedByteCount : nil }
    return ShippedDiffRow(
      originalName: original?.info.name, shippedName: shipped?.info.name,
      shippedType: shipped?.info.dtype.description, layerType: LayerType(tensorName: name), count: count,
      bitsPerWeight: bytes.flatMap { count > 0 ? Double($0) * 8 / Double(count) : nil }, storedBytes: bytes,
      error: error, reason: reason)
  }
}

/// The measured rows of one shipped type, pooled.
public struct ShippedTypeSummary: Sendable {
  public let shippedType: String
  public let tensors: Int
  public let count: Int
  public let storedBytes: Int
  /// The mean of the tensors' SQNRs (dB), over those with a finite one; nil when none has.
  public let meanSQNRDB: Double?
  /// 10·log10(ΣΣx² / ΣΣ(x − x̂)²) over every element of the type.
  public let pooledSQNRDB: Double

  public var bitsPerWeight: Double { count > 0 ? Double(storedBytes) * 8 / Double(count) : 0 }

  /// One summary per shipped type, in order of first appearance.
  public static func summaries(_ rows: [ShippedDiffRow]) -> [ShippedTypeSummary] {
    var order: [String] = []
    var byType: [String: [ShippedDiffRow]] = [:]
    for row in rows {
      guard let type = row.shippedType, row.error != nil else { continue }
      if byType[type] == nil { order.append(type) }
      byType[type, default: []].append(row)
    }
    return order.map { type in
      let group = byType[type]!
      let errors = group.compactMap(\.error)
      let finite = errors.map(\.sqnrDB).filter(\.isFinite)
      let signal = errors.reduce(0) { $0 + $1.signalSum }
      let error = errors.reduce(0) { $0 + $1.errorSum }
      return ShippedTypeSummary(
        shippedType: type, tensors: group.count, count: group.reduce(0) { $0 + $1.count },
        storedBytes: group.reduce(0) { $0 + ($1.storedBytes ?? 0) },
        meanSQNRDB: finite.isEmpty ? nil : finite.reduce(0, +) / Double(finite.count),
        pooledSQNRDB: error > 0 ? 10 * log10(signal / error) : .infinity)
    }
  }
}
