import CKernels
import Formats
import Parallel
import TensorIO

/// Counts of finite values in `bins` equal bins over [lower, upper); values outside are
/// clamped into the first or last bin, so the counts add up to the finite elements read.
public struct Histogram: Sendable, Hashable {
  public let lower: Double
  public let upper: Double
  public let counts: [Int]

  public init(lower: Double, upper: Double, counts: [Int]) {
    self.lower = lower
    self.upper = upper
    self.counts = counts
  }

  /// The width of one bin.
  public var binWidth: Double { (upper - lower) / Double(max(counts.count, 1)) }

  /// The elements counted.
  public var total: Int { counts.reduce(0, +) }

  /// `bins` empty bins over [lower, upper).
  public static func empty(lower: Double, upper: Double, bins: Int) -> Histogram {
    Histogram(lower: lower, upper: upper, counts: [Int](repeating: 0, count: max(bins, 1)))
  }

  /// The counts re-binned into `bins` bins over [lower, upper) (a zoomed window of this one):
  /// each source bin adds to the target bin holding its centre; bins outside are dropped.
  public func rebinned(lower newLower: Double, upper newUpper: Double, bins: Int) -> Histogram {
    var result = [Int](repeating: 0, count: max(bins, 1))
    let span = newUpper - newLower
    guard span > 0 else { return Histogram(lower: newLower, upper: newUpper, counts: result) }
    let width = binWidth
    for (index, count) in counts.enumerated() where count > 0 {
      let centre = lower + (Double(index) + 0.5) * width
      guard centre >= newLower && centre < newUpper else { continue }
      let target = Int((centre - newLower) / span * Double(result.count))
      result[min(max(target, 0), result.count - 1)] += count
    }
    return Histogram(lower: newLower, upper: newUpper, counts: result)
  }

  /// Histogram of the tensor's values (`rows` may be a sample for a fast first picture).
  public static func values(
    of tensor: Tensor, range: ClosedRange<Double>, bins: Int, rows: RowSelection = .all,
    isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> Histogram {
    let source = RowSource(tensor: tensor, rows: rows)
    let bins = max(bins, 1)
    let parts = try source.map(isCancelled: isCancelled) { layout, _ in
      var counts = [Int64](repeating: 0, count: bins)
      tk_histogram(
        layout.source, layout.dtype, layout.rows * layout.row_length, range.lowerBound, range.upperBound,
        Int32(bins), &counts)
      return counts
    }
    return Histogram(lower: range.lowerBound, upper: range.upperBound, counts: merge(parts, bins: bins))
  }

  /// What to bin after rounding.
  public enum Quantity: Sendable, Hashable {
    /// The dequantized values x̂.
    case dequantized
    /// The errors x − x̂.
    case error
  }

  /// Histogram of x̂ or of x − x̂ for `format` on `tensor` (every row is read).
  public static func quantized(
    _ quantity: Quantity, of tensor: Tensor, format: QuantFormat, settings: QuantizationSettings,
    range: ClosedRange<Double>, bins: Int, isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> Histogram {
    let bins = max(bins, 1)
    var all = settings
    all.rows = .all
    let plan = try KernelPlan(
      source: RowSource(tensor: tensor, rows: .all), format: format, settings: all, isCancelled: isCancelled)
    let lower = range.lowerBound
    let perUnit = Double(bins) / (range.upperBound - range.lowerBound)
    let parts = try plan.mapRounded(clip: plan.bestClip(isCancelled: isCancelled), isCancelled: isCancelled) {
      original, rounded in
      var counts = [Int64](repeating: 0, count: bins)
      for index in original.indices where original[index].isFinite {
        let x = Double(original[index])
        let value = quantity == .dequantized ? Double(rounded[index]) : x - Double(rounded[index])
        let position = (value - lower) * perUnit
        counts[position < 0 ? 0 : min(bins - 1, Int(position))] += 1
      }
      return counts
    }
    let counts = merge(parts, bins: bins)
    return Histogram(lower: range.lowerBound, upper: range.upperBound, counts: counts)
  }

  /// Histograms of x̂ over `dequantizedRange` and of x − x̂ over `errorRange` for `format` on
  /// `tensor`, in one rounding pass over every row.
  public static func quantized(
    of tensor: Tensor, format: QuantFormat, settings: QuantizationSettings,
    dequantizedRange: ClosedRange<Double>, dequantizedBins: Int, errorRange: ClosedRange<Double>, errorBins: Int,
    isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> (dequantized: Histogram, error: Histogram) {
    let valueBins = max(dequantizedBins, 1)
    let errorBins = max(errorBins, 1)
    var all = settings
    all.rows = .all
    let plan = try KernelPlan(
      source: RowSource(tensor: tensor, rows: .all, threads: settings.threads), format: format, settings: all,
      isCancelled: isCancelled)
    let valueLower = dequantizedRange.lowerBound
    let valuePerUnit = Double(valueBins) / (dequantizedRange.upperBound - dequantizedRange.lowerBound)
    let errorLower = errorRange.lowerBound
    let errorPerUnit = Double(errorBins) / (errorRange.upperBound - errorRange.lowerBound)
    let parts = try plan.mapRounded(clip: plan.bestClip(isCancelled: isCancelled), isCancelled: isCancelled) {
      original, rounded in
      var values = [Int64](repeating: 0, count: valueBins)
      var errors = [Int64](repeating: 0, count: errorBins)
      for index in original.indices where original[index].isFinite {
        let x = Double(original[index])
        let q = Double(rounded[index])
        let valuePosition = (q - valueLower) * valuePerUnit
        values[valuePosition < 0 ? 0 : min(valueBins - 1, Int(valuePosition))] += 1
        let errorPosition = (x - q - errorLower) * errorPerUnit
        errors[errorPosition < 0 ? 0 : min(errorBins - 1, Int(errorPosition))] += 1
      }
      return (values, errors)
    }
    return (
      Histogram(lower: valueLower, upper: dequantizedRange.upperBound, counts: merge(parts.map(\.0), bins: valueBins)),
      Histogram(lower: errorLower, upper: errorRange.upperBound, counts: merge(parts.map(\.1), bins: errorBins))
    )
  }

  private static func merge(_ parts: [[Int64]], bins: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: bins)
    for part in parts {
      for index in 0..<bins { counts[index] += Int(part[index]) }
    }
    return counts
  }
}
