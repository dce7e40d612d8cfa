import Foundation
import Kernels
import Parallel
import TensorIO

/// `tscope ORIGINAL --against SHIPPED`: the shipped model as the explorer shows it, one more
/// row of the focused tensor's table ("shipped Q4_K") with the error the shipped values made
/// against the original, and its error histogram in the compare view.
public struct ShippedComparison: Sendable {
  /// The shipped model's file name.
  public let modelName: String
  /// Its path, to open it again with the original (`R`).
  let path: String
  /// Per original tensor name: its shipped tensor, or why it has none (`ShippedMatching`).
  public let matches: [String: ShippedMatch]
  /// The pairs the scheduler measures, by original tensor name.
  let pairs: [String: ShippedPair]

  /// Pairs the tensors of `shipped` with those of `original` by `tscope diff`'s rule.
  public init(original: Model, shipped: Model) {
    modelName = (shipped.path as NSString).lastPathComponent
    path = shipped.path
    let matched = ShippedMatching.match(original: original, shipped: shipped)
    var matches: [String: ShippedMatch] = [:]
    var pairs: [String: ShippedPair] = [:]
    for pair in matched.pairs {
      let name = pair.original.info.name
      pairs[name] = pair
      matches[name] = ShippedMatch(
        shippedName: pair.shipped.info.name, shippedType: pair.shipped.info.dtype.description, reason: nil)
    }
    for mismatch in matched.unmatched {
      guard let original = mismatch.original else { continue }
      matches[original.info.name] = ShippedMatch(
        shippedName: mismatch.shipped?.info.name, shippedType: mismatch.shipped?.info.dtype.description,
        reason: mismatch.reason)
    }
    self.matches = matches
    self.pairs = pairs
  }

  /// Whether any tensor of the two models can be compared.
  public var hasPairs: Bool { !pairs.isEmpty }
}

/// One original tensor's shipped counterpart, or why it has none.
public struct ShippedMatch: Hashable, Sendable {
  public let shippedName: String?
  /// The shipped dtype (`Q4_K`, `CT-NVFP4`), when the shipped model has a tensor for it.
  public let shippedType: String?
  /// Why the tensor is not compared (no such tensor, another shape, …); nil when it is.
  public let reason: String?

  /// The table's row name: `shipped Q4_K`, or `shipped` when there is no shipped tensor.
  public var rowName: String { shippedType.map { "shipped \($0)" } ?? "shipped" }
}

/// The error a shipped tensor made against the focused original tensor.
public struct ShippedResult: Hashable, Sendable {
  /// Over every element (an exact pass: no estimate).
  public let error: ShippedError
  /// Stored bits per weight of the shipped tensor (its bytes, scales included, × 8 / count).
  public let bitsPerWeight: Double?
  /// Histogram of x − x̂ over the row sample the format rows' error histograms use.
  public let errorHistogram: Histogram

  public init(error: ShippedError, bitsPerWeight: Double?, errorHistogram: Histogram) {
    self.error = error
    self.bitsPerWeight = bitsPerWeight
    self.errorHistogram = errorHistogram
  }
}

/// The state of the shipped row of one tensor.
public enum ShippedOutcome: Hashable, Sendable {
  case done(ShippedResult)
  /// The pass failed (a file changed on disk), with the reason.
  case failed(String)
}

/// The shipped pass running for the focused tensor (the focus's generation: a new focus
/// cancels it).
public struct ShippedRequest: Hashable, Sendable {
  public let tensor: String
  public let generation: Int
}

extension State {
  /// The focused tensor's shipped match, with `--against`.
  public var focusedShippedMatch: ShippedMatch? {
    guard let focused = focusedTensor else { return nil }
    return shipped?.matches[tensors[focused].name]
  }

  /// The focused tensor's shipped outcome, when measured.
  public var focusedShippedOutcome: ShippedOutcome? {
    guard let focused = focusedTensor else { return nil }
    return shippedResults[tensors[focused].name]
  }
}

/// The shipped pass of one effect: the exact error over every element, then the error
/// histogram of the row sample, both files checked before and after.
enum ShippedAnalysis {
  static func measure(_ pair: ShippedPair, isCancelled: @Sendable () -> Bool) throws -> ShippedResult {
    try pair.original.checkFileUnchanged()
    try pair.shipped.checkFileUnchanged()
    let error = try ShippedErrorPass.measure(
      shipped: pair.shipped, original: pair.original, originalRows: pair.originalRows, isCancelled: isCancelled)
    let histogram = try ShippedErrorPass.errorHistogram(
      shipped: pair.shipped, original: pair.original, originalRows: pair.originalRows,
      maxElements: LoadedTensor.sampleLimit, bins: 512, isCancelled: isCancelled)
    // A file replaced while it was read gave values that are neither the old nor the new ones.
    try pair.original.checkFileUnchanged()
    try pair.shipped.checkFileUnchanged()
    return ShippedResult(error: error, bitsPerWeight: pair.shipped.storedBitsPerWeight, errorHistogram: histogram)
  }
}
