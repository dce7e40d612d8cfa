import TensorIO

/// The live path's computations, built from the adapters: what one effect does, start to end.
enum Analysis {
  /// Decodes a tensor to Float32 in chunks, checking for cancellation between chunks.
  static func load(_ tensor: Tensor, entry: TensorEntry, isCancelled: @Sendable () -> Bool) throws(AnalysisError)
    -> LoadedTensor
  {
    let count = entry.count
    var values = [Float](repeating: 0, count: count)
    let chunk = 1 << 20
    var cancelled = false
    values.withUnsafeMutableBufferPointer { buffer in
      var start = 0
      while start < count {
        if isCancelled() {
          cancelled = true
          return
        }
        let end = min(start + chunk, count)
        tensor.decode(start..<end, into: UnsafeMutableBufferPointer(rebasing: buffer[start..<end]))
        start = end
      }
    }
    if cancelled { throw .cancelled }
    return LoadedTensor(entry: entry, values: values)
  }

  /// The sampled estimate (on the tensor's row sample) for `key`.
  static func estimate(
    _ tensor: LoadedTensor, key: QuantKey, fittedNu: Double?, isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> QuantResult {
    let display = try displayParts(tensor, key: key, fittedNu: fittedNu, isCancelled: isCancelled)
    return compose(display.measurement, display: display, isEstimate: true)
  }

  /// The full result for `key`: metrics over every element; the display histograms come from
  /// the sample (taken from `estimate` when it was computed already).
  static func full(
    _ tensor: LoadedTensor, key: QuantKey, fittedNu: Double?, reusing estimate: QuantResult?,
    isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> QuantResult {
    guard let estimate else {
      let display = try displayParts(tensor, key: key, fittedNu: fittedNu, isCancelled: isCancelled)
      if tensor.sample.count == tensor.values.count {
        return compose(display.measurement, display: display, isEstimate: false)
      }
      let measurement = try measureAll(tensor, key: key, fittedNu: fittedNu, isCancelled: isCancelled)
      return compose(measurement, display: display, isEstimate: false)
    }
    let m = try measureAll(tensor, key: key, fittedNu: fittedNu, isCancelled: isCancelled)
    return QuantResult(
      mse: m.mse, sqnrDB: m.sqnrDB, maxAbsError: m.maxAbsError, relL2: m.relL2, codeUsage: m.codeUsage,
      codebook: estimate.codebook, displayScale: estimate.displayScale, errorHistogram: estimate.errorHistogram,
      dequantizedHistogram: estimate.dequantizedHistogram, isEstimate: false, milliseconds: 0)
  }

  private static func measureAll(
    _ tensor: LoadedTensor, key: QuantKey, fittedNu: Double?, isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> KernelMeasurement {
    try KernelAdapter.measure(
      tensor.values, rowLength: tensor.entry.rowLength, format: key.format, fittedNu: fittedNu, group: key.group,
      scale: key.scale, keepDequantized: false, isCancelled: isCancelled)
  }

  private struct Display {
    var measurement: KernelMeasurement
    var codebook: [Double]
    var displayScale: Double
    var errorHistogram: Histogram
    var dequantizedHistogram: Histogram
  }

  private static func displayParts(
    _ tensor: LoadedTensor, key: QuantKey, fittedNu: Double?, isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> Display {
    let codebook = try FormatAdapter.codebook(key.format, fittedNu: fittedNu)
    let measurement = try KernelAdapter.measure(
      tensor.sample, rowLength: tensor.sampleRowLength, format: key.format, fittedNu: fittedNu, group: key.group,
      scale: key.scale, keepDequantized: true, isCancelled: isCancelled)
    let dequantized = measurement.dequantized ?? []
    var errors: [Float] = []
    errors.reserveCapacity(dequantized.count)
    var largestError: Float = 0
    for (x, q) in zip(tensor.sample, dequantized) where x.isFinite {
      errors.append(x - q)
      largestError = max(largestError, abs(x - q))
    }
    let errorEdge = Double(largestError > 0 ? largestError : 1) * (1 + 1e-9)
    let edge = tensor.histogram.high
    var sampleWithoutDequantized = measurement
    sampleWithoutDequantized.dequantized = nil
    let maxCode = codebook.map(abs).max() ?? 1
    return Display(
      measurement: sampleWithoutDequantized, codebook: codebook,
      displayScale: medianGroupAmax(tensor, group: key.group) / maxCode,
      errorHistogram: Histogram(errors, low: -errorEdge, high: errorEdge, bins: 512),
      dequantizedHistogram: Histogram(dequantized, low: -edge, high: edge, bins: 1024))
  }

  private static func compose(_ measurement: KernelMeasurement, display: Display, isEstimate: Bool) -> QuantResult {
    QuantResult(
      mse: measurement.mse, sqnrDB: measurement.sqnrDB, maxAbsError: measurement.maxAbsError,
      relL2: measurement.relL2, codeUsage: measurement.codeUsage, codebook: display.codebook,
      displayScale: display.displayScale, errorHistogram: display.errorHistogram,
      dequantizedHistogram: display.dequantizedHistogram, isEstimate: isEstimate, milliseconds: 0)
  }

  /// The median of the groups' max |x| over the sample: where a typical group's codebook lands.
  static func medianGroupAmax(_ tensor: LoadedTensor, group: GroupSetting) -> Double {
    let values = tensor.sample
    let rowLength = group == .tensor ? max(values.count, 1) : max(tensor.sampleRowLength, 1)
    if group == .tensor { return tensor.amax }
    let size = group.elements(count: values.count, rowLength: rowLength)
    var maxima: [Float] = []
    var rowStart = 0
    while rowStart < values.count {
      let rowEnd = min(rowStart + rowLength, values.count)
      var start = rowStart
      while start < rowEnd {
        let end = min(start + size, rowEnd)
        var amax: Float = 0
        for value in values[start..<end] where value.isFinite { amax = max(amax, abs(value)) }
        maxima.append(amax)
        start = end
      }
      rowStart = rowEnd
    }
    guard !maxima.isEmpty else { return tensor.amax }
    maxima.sort()
    return Double(maxima[maxima.count / 2])
  }
}
