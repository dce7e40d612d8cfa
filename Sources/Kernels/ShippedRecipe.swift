import Formats
import Foundation
import Parallel
import TensorIO

/// How a shipped llama.cpp tensor was made, as far as tscope can tell by making it again: its
/// type quantized from the original by llama-quantize's reference path (no imatrix entry), or by
/// its imatrix path with the importance matrix given, gives exactly the shipped values — or
/// neither does (another tool, another imatrix, or not this original).
public enum ShippedRecipe: Sendable, Equatable {
  /// The type's reference path (`TYPE`) gives every shipped value.
  case reference
  /// The imatrix path with the given importance (`TYPE:imatrix`) gives every shipped value.
  case imatrix
  /// Neither path llama-quantize would take gives the shipped values; `triedImatrix` says whether
  /// an importance matrix was given (else only the reference path was tried).
  case neither(triedImatrix: Bool)
  /// Not tried, and why: the shipped tensor is not quantized, or is of a type tscope does not make.
  case notTried(String)

  /// The row's text (`made_by`).
  public var text: String {
    switch self {
    case .reference: "llama-quantize"
    case .imatrix: "llama-quantize --imatrix"
    case .neither(let triedImatrix): triedImatrix ? "neither path" : "not the reference path"
    case .notTried(let why): "unknown: \(why)"
    }
  }

  /// The recipe of `shipped` against `original`; `notTried` with the reason when its type is not one
  /// tscope makes (`GGMLFormat`) or the original is not analysable. `importance` is what the given
  /// imatrix holds for the original tensor (`.missing`: no entry, where llama-quantize takes the
  /// reference path too). `originalRows` maps each shipped row to its original row, as for the error.
  /// Values compare bit for bit: the same recipe on the same weights gives the same floats.
  public static func find(
    shipped: Tensor, original: Tensor, originalRows: [Int]?, importance: ImatrixEntry
  ) throws(Cancelled) -> ShippedRecipe {
    guard case .ggml(let block) = shipped.info.dtype else {
      return .notTried("\(shipped.info.dtype) is not a llama.cpp quantized type")
    }
    guard let type = GGMLFormat(rawValue: block.name.lowercased()) else {
      return .notTried("tscope does not make \(block.name)")
    }
    guard original.info.dtype.isAnalysable, original.count == shipped.count, original.count > 0 else {
      return .notTried("the original \(original.info.dtype) tensor cannot be quantized again")
    }
    let comparison = RowComparison(shipped: shipped, original: original, originalRows: originalRows)
    if type.requiresImportance {  // ggml has no path without an imatrix for it
      switch importance {
      case .noMatrix: return .notTried("tscope makes \(block.name) only with an imatrix (--imatrix)")
      case .missing: return .notTried("the imatrix has no entry for this tensor")
      case .weights(let weights):
        return try comparison.gives(type, GGMLImportance(weights)) ? .imatrix : .neither(triedImatrix: true)
      }
    }
    if try comparison.gives(type, nil) { return .reference }
    // With an imatrix that has no entry for the tensor, llama-quantize's path is the reference one;
    // a type without an imatrix path (Q8_0, MXFP4, …) has no other.
    if !type.hasImatrixPath, importance != .noMatrix { return .neither(triedImatrix: true) }
    switch importance {
    case .noMatrix: return .neither(triedImatrix: false)
    case .missing: return .neither(triedImatrix: true)
    case .weights(let weights):
      return try comparison.gives(type, GGMLImportance(weights)) ? .imatrix : .neither(triedImatrix: true)
    }
  }

  /// Elements of the original quantized at a time (`TSCOPE_MADE_BY_CHUNK` sets it, for tests): a
  /// 1.05G-element embedding then takes 32 MB at once, not 8 GB.
  static var chunkElements: Int {
    ProcessInfo.processInfo.environment["TSCOPE_MADE_BY_CHUNK"].flatMap(Int.init).map { max($0, 1) } ?? 1 << 22
  }
}

/// Quantizes an original tensor again, rows at a time, and compares every value with the shipped
/// tensor's row that each original row became.
private struct RowComparison {
  let shipped: Tensor
  let original: Tensor
  let rowLength: Int
  let rowCount: Int
  /// The shipped row of each original row (the identity unless q/k rows were permuted).
  let shippedRow: [Int]

  init(shipped: Tensor, original: Tensor, originalRows: [Int]?) {
    self.shipped = shipped
    self.original = original
    // The rows of the permutation when there is one (it maps whole rows), else the tensor's own.
    let length = originalRows.map { original.count / max($0.count, 1) } ?? max(original.info.rowLength, 1)
    rowLength = length
    rowCount = original.count / length
    var inverse = Array(0..<rowCount)
    for (shippedIndex, originalIndex) in (originalRows ?? []).enumerated() { inverse[originalIndex] = shippedIndex }
    shippedRow = inverse
  }

  /// Whether `type` (on the imatrix path with `importance`, else the reference path) gives every
  /// shipped value bit for bit, chunk by chunk (stopping at the first difference). A chunk never
  /// straddles an expert, so each takes its experts' importance (`GGMLImportance.restricted`).
  func gives(_ type: GGMLFormat, _ importance: GGMLImportance?) throws(Cancelled) -> Bool {
    var shippedValues = [Float](repeating: 0, count: rowLength)
    for rows in chunks(rowsPerExpert: importance.map { max($0.rowsPerExpert, 1) } ?? rowCount) {
      let part = RowSample.tensor(of: original, rows: rows, rowLength: rowLength)
      let made = try Quantizer.dequantize(part, format: .ggml(type, importance: importance?.restricted(to: rows)))
      for (position, row) in rows.enumerated() {
        let target = shippedRow[row] * rowLength
        shippedValues.withUnsafeMutableBufferPointer { shipped.decode(target..<(target + rowLength), into: $0) }
        let start = position * rowLength
        for column in 0..<rowLength where made[start + column].bitPattern != shippedValues[column].bitPattern {
          return false
        }
      }
    }
    return true
  }

  /// Row ranges of about `ShippedRecipe.chunkElements` elements: pieces of one expert's rows, or
  /// whole experts.
  func chunks(rowsPerExpert: Int) -> [Range<Int>] {
    let target = max(1, ShippedRecipe.chunkElements / rowLength)
    var ranges: [Range<Int>] = []
    var start = 0
    while start < rowCount {
      let end: Int
      if rowsPerExpert >= target {
        end = min(start + target, (start / rowsPerExpert + 1) * rowsPerExpert, rowCount)
      } else {
        end = min(start + target / rowsPerExpert * rowsPerExpert, rowCount)
      }
      ranges.append(start..<end)
      start = end
    }
    return ranges
  }
}
