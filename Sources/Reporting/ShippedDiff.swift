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
  /// Which llama-quantize path made the shipped values, or why that was not tried (`diff
  /// --made-by`); nil when not asked.
  public var recipe: ShippedRecipe? = nil
}

/// Measures each pair of a shipped model and its original (`ShippedMatching` pairs them).
public enum ShippedDiff {
  /// Every shipped tensor paired with its original (`ShippedMatching.match`), and the rows for
  /// everything that could not be paired, with the reason.
  public static func match(original: Model, shipped: Model) -> (pairs: [ShippedPair], unmatched: [ShippedDiffRow]) {
    let matched = ShippedMatching.match(original: original, shipped: shipped)
    return (matched.pairs, matched.unmatched.map { row(original: $0.original, shipped: $0.shipped, reason: $0.reason) })
  }

  /// The measured row of a pair.
  public static func measure(_ pair: ShippedPair) -> ShippedDiffRow {
    let error = ShippedErrorPass.measure(
      shipped: pair.shipped, original: pair.original, originalRows: pair.originalRows)
    return row(original: pair.original, shipped: pair.shipped, error: error)
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
      bitsPerWeight: shipped?.storedBitsPerWeight, storedBytes: bytes,
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
