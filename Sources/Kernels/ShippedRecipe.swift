import Formats
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
  /// tscope makes (`GGMLFormat`) or the original is not analysable. `importance` is the original tensor's entry
  /// in the given imatrix (`.missing`: no entry, where llama-quantize takes the
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
    let shippedValues = shipped.decodedValues()
    let rowLength = originalRows.map { original.count / max($0.count, 1) } ?? original.count
    func gives(_ format: QuantFormat) throws(Cancelled) -> Bool {
      let made = try Quantizer.dequantize(original, format: format)
      for row in 0..<(original.count / rowLength) {
        let source = (originalRows?[row] ?? row) * rowLength
        for column in 0..<rowLength
        where made[source + column].bitPattern != shippedValues[row * rowLength + column].bitPattern {
          return false
        }
      }
      return true
    }
    if type.requiresImportance {  // ggml has no path without an imatrix for it
      switch importance {
      case .noMatrix: return .notTried("tscope makes \(block.name) only with an imatrix (--imatrix)")
      case .missing: return .notTried("the imatrix has no entry for this tensor")
      case .weights(let weights):
        return try gives(.ggml(type, importance: GGMLImportance(weights))) ? .imatrix : .neither(triedImatrix: true)
      }
    }
    if try gives(.ggml(type)) { return .reference }
    // With an imatrix that has no entry for the tensor, llama-quantize's path is the reference one.
    switch importance {
    case .noMatrix: return .neither(triedImatrix: false)
    case .missing: return .neither(triedImatrix: true)
    case .weights(let weights):
      return try gives(.ggml(type, importance: GGMLImportance(weights))) ? .imatrix : .neither(triedImatrix: true)
    }
  }
}
