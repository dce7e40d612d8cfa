import TensorIO

/// A tensor ready for the live path: its range and fine histogram (computed once), and a
/// deterministic sample of whole rows that quick estimates and display histograms use.
/// The tensor's values stay where the model file maps them; only the sample is copied.
// A class so that `State` copies share it; every property is immutable after init.
public final class LoadedTensor: Sendable {
  public let entry: TensorEntry
  /// The model's tensor (memory-mapped; the kernel reads it in place).
  public let tensor: Tensor
  public let finiteCount: Int
  public let minimum: Double
  public let maximum: Double
  /// max |x| over finite elements.
  public let amax: Double
  /// A fine histogram over [-amax, amax] (zoom re-bins it, so zooming needs no recompute).
  public let histogram: Histogram
  /// Whole rows taken at an even stride, at most `sampleLimit` elements (all rows when small).
  public let sample: [Float]
  /// The sample as an F32 tensor with the original row length, for the kernel.
  public let sampleTensor: Tensor

  public static let sampleLimit = 1 << 20
  public static let histogramBins = 2048

  init(
    entry: TensorEntry, tensor: Tensor, finiteCount: Int, minimum: Double, maximum: Double, histogram: Histogram,
    sample: [Float], sampleTensor: Tensor
  ) {
    self.entry = entry
    self.tensor = tensor
    self.finiteCount = finiteCount
    self.minimum = minimum
    self.maximum = maximum
    self.amax = max(abs(minimum), abs(maximum))
    self.histogram = histogram
    self.sample = sample
    self.sampleTensor = sampleTensor
  }

  /// Whether the live path shows a sampled estimate before the full result.
  public var isLarge: Bool { entry.count > 4 * Self.sampleLimit }

  /// Whether the sample is the whole tensor.
  public var sampleIsWhole: Bool { sample.count == entry.count }
}
