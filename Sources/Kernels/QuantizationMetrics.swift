import Formats

/// What one format costs one tensor (SPEC §4): error metrics over the finite elements,
/// accumulated in Float64, and how many elements landed on each value.
public struct QuantizationMetrics: Sendable, Hashable {
  /// The format as run (for `ID+auto` and `sf4@fit`, with the value or ν found for this tensor).
  public let format: QuantFormat
  public let group: GroupSize
  public let scaleMode: ScaleMode
  /// The clip ratio used (1 for absmax; the best one for mse), as its decimal (0.995).
  public let clipRatio: Double
  /// Elements read (all of them, or the sampled rows').
  public let count: Int
  public let finiteCount: Int
  /// NaN and ±Inf elements: counted, excluded from every metric.
  public let nonFiniteCount: Int
  /// mean((x − x̂)²).
  public let mse: Double
  /// 10·log10(Σx² / Σ(x − x̂)²); +∞ when the error is zero.
  public let sqnrDB: Double
  public let maxAbsError: Double
  /// ‖x − x̂‖ / ‖x‖ (0 when x is all zero).
  public let relativeL2: Double
  /// Σx² over the finite elements (0 for an all-zero tensor).
  public let signal: Double
  /// Elements per value of `format.values`, in the same order.
  public let codeUsage: [Int]
  /// Whether only sampled rows were read (`RowSelection.sample` on a larger tensor).
  public let isEstimate: Bool
  /// 10·log10(Σ a_j x² / Σ a_j (x − x̂)²) with a_j the importance of the element's input column
  /// (an imatrix's E[x_j²]); nil when no importance was given, +∞ when the weighted error is zero.
  public var importanceSQNRDB: Double?

  public init(
    format: QuantFormat, group: GroupSize, scaleMode: ScaleMode, clipRatio: Double, count: Int, finiteCount: Int,
    nonFiniteCount: Int, mse: Double, sqnrDB: Double, maxAbsError: Double, relativeL2: Double, signal: Double,
    codeUsage: [Int], isEstimate: Bool
  ) {
    self.format = format
    self.group = group
    self.scaleMode = scaleMode
    self.clipRatio = clipRatio
    self.count = count
    self.finiteCount = finiteCount
    self.nonFiniteCount = nonFiniteCount
    self.mse = mse
    self.sqnrDB = sqnrDB
    self.maxAbsError = maxAbsError
    self.relativeL2 = relativeL2
    self.signal = signal
    self.codeUsage = codeUsage
    self.isEstimate = isEstimate
  }

  /// How many distinct values were used at least once.
  public var codesUsed: Int { codeUsage.filter { $0 > 0 }.count }

  /// Whether every finite element is 0 and so is its x̂: an all-zero tensor, whose SQNR is 0/0 (no
  /// signal, no error) rather than the +∞ of an exact result. Told by Σx², not by the code 0
  /// (llama.cpp's types count stored codes, and a zero block's code need not be 0).
  public var isAllZero: Bool { signal == 0 && mse == 0 && finiteCount > 0 }

  /// The reasons of an all-zero tensor's result and of an exact one (see `sqnrReason`).
  public static let allZeroReason = "every element is zero: no signal, no error"
  public static let exactReason = "exact: no error"
  /// The reason where x̂ left the format's range: an FP16 scale beyond 65504 (llama.cpp's types on
  /// |x| of about 5e5 and up) makes x̂ ±inf or NaN, as the shipped file would hold them.
  public static let overflowReason = "x̂ is not finite: the values overflow the format's scale"

  /// Why the SQNR is not a finite number (no finite element, an all-zero tensor, no error, an error
  /// that is not finite), or nil when it is: the one wording of the rows, the table notes and the
  /// overview.
  public var sqnrReason: String? {
    if finiteCount == 0 { return "no finite elements" }
    if sqnrDB.isFinite { return nil }
    if isAllZero { return Self.allZeroReason }
    return mse == 0 ? Self.exactReason : Self.overflowReason
  }
}
