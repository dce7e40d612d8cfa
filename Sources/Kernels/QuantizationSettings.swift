import Formats

/// Which rows of a tensor a run reads.
public enum RowSelection: Sendable, Hashable {
  /// Every row: exact metrics.
  case all
  /// At most about `maxElements` elements from evenly spaced whole rows (deterministic: the
  /// same tensor gives the same rows), for a fast estimate of a huge tensor. A tensor that
  /// already fits, or has a single row, is read whole.
  case sample(maxElements: Int)
}

/// Everything about a run except the tensor and the format.
public struct QuantizationSettings: Sendable, Hashable {
  public var group: GroupSize
  public var scale: ScaleMode
  public var rows: RowSelection
  /// At most this many worker threads (nil: all cores). Benchmarks set 1 to time one core.
  public var threads: Int?

  public init(
    group: GroupSize = .standard, scale: ScaleMode = .absmax, rows: RowSelection = .all, threads: Int? = nil
  ) {
    self.group = group
    self.scale = scale
    self.rows = rows
    self.threads = threads
  }
}

extension QuantizationSettings {
  /// The settings `format` actually runs with: block formats (MXFP4, NVFP4) scale their own
  /// blocks by their own rule, whatever group and scale were asked for.
  public func effective(for format: QuantFormat) -> QuantizationSettings {
    guard let block = format.blockSize else { return self }
    var settings = self
    settings.group = .elements(block)
    settings.scale = .absmax
    return settings
  }
}
