import Kernels
import TensorIO

/// A tensor ready for the live path: its range and fine histogram (computed once), and a
/// deterministic sample of whole rows that quick estimates and display histograms use.
/// The tensor's values stay where the model file maps them; only the sample is copied.
// A class so that `State` copies share it; every property is immutable after init.
public final class LoadedTensor: Sendable {
  public let entry: TensorEntry
  /// The model's tensor (memory-mapped; the kernel reads it in place).
  public let tensor: Tensor
  /// Finite elements and their range.
  public let range: ValueRange
  /// A fine histogram over [-amax, amax] (zoom re-bins it, so zooming needs no recompute).
  public let histogram: Histogram
  /// Whole rows taken at an even stride, at most `sampleLimit` elements (all rows when small),
  /// as an F32 tensor with the original row length (`RowSample`).
  public let sample: Tensor
  /// The rotation the tensor was loaded with (`r`): `tensor`, the histogram and the sample are
  /// the rotated weights.
  public let rotation: Rotation
  /// The model's tensor before the rotation (nil when not rotated): the fit of it gives ν before.
  public let unrotated: Tensor?
  /// Excess kurtosis of the sample, and of the unrotated sample when rotated.
  public let kurtosis: Double?
  public let unrotatedKurtosis: Double?
  /// An F16/BF16 tensor's `SixteenBitCounts` from the load, which its fit reuses (nil otherwise).
  let patternCounts: [Int]?

  public static let sampleLimit = 1 << 20
  public static let histogramBins = 2048

  init(
    entry: TensorEntry, tensor: Tensor, range: ValueRange, histogram: Histogram, sample: Tensor,
    rotation: Rotation = .none, unrotated: Tensor? = nil, kurtosis: Double? = nil, unrotatedKurtosis: Double? = nil,
    patternCounts: [Int]? = nil
  ) {
    self.patternCounts = patternCounts
    self.rotation = rotation
    self.unrotated = unrotated
    self.kurtosis = kurtosis
    self.unrotatedKurtosis = unrotatedKurtosis
    self.entry = entry
    self.tensor = tensor
    self.range = range
    self.histogram = histogram
    self.sample = sample
  }

  /// Whether the live path shows a sampled estimate before the full result.
  public var isLarge: Bool { entry.count > 4 * Self.sampleLimit }

  /// The key of its fit in `State.fits`: the name, with the rotation when rotated.
  public var fitName: String { State.fitName(entry.name, rotation: rotation) }

  /// Whether the sample is the whole tensor.
  public var sampleIsWhole: Bool { sample.count == entry.count }
}
