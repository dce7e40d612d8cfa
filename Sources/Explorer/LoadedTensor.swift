/// A tensor decoded for analysis: its values, a fine histogram, and a deterministic sample of
/// whole rows that the live path uses for quick estimates and display histograms.
// A class so that `State` copies share the (possibly 180 MB) values instead of copying them;
// every property is immutable after init, so sharing it across tasks is safe.
public final class LoadedTensor: Sendable {
  public let entry: TensorEntry
  public let values: [Float]
  public let finiteCount: Int
  public let minimum: Double
  public let maximum: Double
  /// max |x| over finite elements.
  public let amax: Double
  /// A fine histogram over [-amax, amax] (zoom re-bins it, so zooming needs no recompute).
  public let histogram: Histogram
  /// Whole rows taken at an even stride: at most `sampleLimit` elements (all rows when small).
  public let sample: [Float]
  public let sampleRowLength: Int

  public static let sampleLimit = 1 << 20
  public static let histogramBins = 2048

  public init(entry: TensorEntry, values: [Float]) {
    self.entry = entry
    self.values = values
    var finite = 0
    var low = Float.infinity
    var high = -Float.infinity
    for value in values where value.isFinite {
      finite += 1
      low = min(low, value)
      high = max(high, value)
    }
    finiteCount = finite
    minimum = finite > 0 ? Double(low) : 0
    maximum = finite > 0 ? Double(high) : 0
    let magnitude = max(abs(minimum), abs(maximum))
    amax = magnitude
    let edge = magnitude > 0 ? magnitude * (1 + 1e-9) : 1
    histogram = Histogram(values, low: -edge, high: edge, bins: Self.histogramBins)
    let rowLength = max(entry.rowLength, 1)
    sampleRowLength = rowLength
    sample = Self.rowSample(values, rowLength: rowLength, limit: Self.sampleLimit)
  }

  /// Whether the live path shows a sampled estimate before the full result.
  public var isLarge: Bool { values.count > 4 * Self.sampleLimit }

  /// Every k-th row (k chosen so at most `limit` elements remain); rows keep their groups intact.
  static func rowSample(_ values: [Float], rowLength: Int, limit: Int) -> [Float] {
    let rows = values.count / rowLength
    guard values.count > limit, rows > 1 else { return values }
    let keep = max(1, limit / rowLength)
    let stride = max(1, rows / keep)
    var sample: [Float] = []
    sample.reserveCapacity(min(values.count, keep * rowLength))
    var row = 0
    while row < rows && sample.count + rowLength <= max(limit, rowLength) {
      sample.append(contentsOf: values[(row * rowLength)..<((row + 1) * rowLength)])
      row += stride
    }
    return sample
  }
}
