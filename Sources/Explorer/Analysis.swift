import TensorIO

/// The live path's computations, built from the adapters: what one effect does, start to end.
enum Analysis {
  /// Reads a tensor's range (one decoding pass, in chunks, checking for cancellation), its fine
  /// histogram (by the kernel), and a row sample.
  static func load(_ tensor: Tensor, entry: TensorEntry, isCancelled: @Sendable () -> Bool) throws(AnalysisError)
    -> LoadedTensor
  {
    let count = entry.count
    var finite = 0
    var low = Float.infinity
    var high = -Float.infinity
    let chunk = 1 << 18
    var buffer = [Float](repeating: 0, count: min(chunk, max(count, 1)))
    var start = 0
    while start < count {
      if isCancelled() { throw .cancelled }
      let end = min(start + chunk, count)
      buffer.withUnsafeMutableBufferPointer { output in
        tensor.decode(start..<end, into: UnsafeMutableBufferPointer(rebasing: output[0..<(end - start)]))
      }
      for value in buffer[0..<(end - start)] where value.isFinite {
        finite += 1
        low = min(low, value)
        high = max(high, value)
      }
      start = end
    }
    let minimum = finite > 0 ? Double(low) : 0
    let maximum = finite > 0 ? Double(high) : 0
    let magnitude = max(abs(minimum), abs(maximum))
    // A hair wider than amax so the largest value falls inside the last bin.
    let edge = magnitude > 0 ? magnitude * (1 + 1e-6) : 1
    let counts =
      finite > 0
      ? try KernelAdapter.valueHistogram(
        tensor, low: -edge, high: edge, bins: LoadedTensor.histogramBins, isCancelled: isCancelled)
      : [Double](repeating: 0, count: LoadedTensor.histogramBins)
    let sample = rowSample(tensor, rowLength: entry.rowLength, limit: LoadedTensor.sampleLimit)
    return LoadedTensor(
      entry: entry, tensor: tensor, finiteCount: finite, minimum: minimum, maximum: maximum,
      histogram: Histogram(low: -edge, high: edge, counts: counts), sample: sample,
      sampleTensor: f32Tensor(sample, name: entry.name, rowLength: entry.rowLength))
  }

  /// Every k-th row, k chosen so at most `limit` elements remain (rows keep their groups intact).
  static func rowSample(_ tensor: Tensor, rowLength: Int, limit: Int) -> [Float] {
    let count = tensor.count
    let length = max(rowLength, 1)
    let rows = count / length
    var sample: [Float]
    if count <= limit || rows <= 1 {
      sample = [Float](repeating: 0, count: count)
      sample.withUnsafeMutableBufferPointer { tensor.decode(0..<count, into: $0) }
      return sample
    }
    let keep = max(1, limit / length)
    let stride = max(1, rows / keep)
    let picked = Array(Swift.stride(from: 0, to: rows, by: stride).prefix(keep))
    sample = [Float](repeating: 0, count: picked.count * length)
    sample.withUnsafeMutableBufferPointer { output in
      for (position, row) in picked.enumerated() {
        let target = UnsafeMutableBufferPointer(rebasing: output[(position * length)..<((position + 1) * length)])
        tensor.decode((row * length)..<((row + 1) * length), into: target)
      }
    }
    return sample
  }

  /// An F32 tensor over `values` (owned bytes), shaped rows × `rowLength`.
  static func f32Tensor(_ values: [Float], name: String, rowLength: Int) -> Tensor {
    let bytes = values.withUnsafeBytes { Array($0) }
    let storage = ByteStorage.owning(bytes)
    let length = max(rowLength, 1)
    let shape = values.count % length == 0 && values.count >= length ? [values.count / length, length] : [values.count]
    let info = TensorInfo(name: name, dtype: .f32, shape: shape, file: "sample")
    return Tensor(info: info, storage: storage, bytes: storage.bytes)
  }

  /// The sampled estimate for `key`: metrics and display histograms on the row sample.
  static func estimate(
    _ tensor: LoadedTensor, key: QuantKey, fittedNu: Double?, isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> QuantResult {
    let sampled = try KernelAdapter.measure(
      tensor.sampleTensor, format: key.format, fittedNu: fittedNu, group: key.group, scale: key.scale,
      isCancelled: isCancelled)
    let display = try displayParts(tensor, key: key, fittedNu: fittedNu, measurement: sampled, isCancelled: isCancelled)
    return compose(sampled, display: display, isEstimate: !tensor.sampleIsWhole)
  }

  /// The full result for `key`: metrics over every element; display histograms from the
  /// sample (taken from `estimate` when that was computed already).
  static func full(
    _ tensor: LoadedTensor, key: QuantKey, fittedNu: Double?, reusing estimate: QuantResult?,
    isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> QuantResult {
    if tensor.sampleIsWhole { return try self.estimate(tensor, key: key, fittedNu: fittedNu, isCancelled: isCancelled) }
    let measured = try KernelAdapter.measure(
      tensor.tensor, format: key.format, fittedNu: fittedNu, group: key.group, scale: key.scale,
      isCancelled: isCancelled)
    let display: Display
    if let estimate {
      display = Display(
        displayScale: estimate.displayScale, errorHistogram: estimate.errorHistogram,
        dequantizedHistogram: estimate.dequantizedHistogram)
    } else {
      display = try displayParts(tensor, key: key, fittedNu: fittedNu, measurement: measured, isCancelled: isCancelled)
    }
    return compose(measured, display: display, isEstimate: false)
  }

  private struct Display {
    var displayScale: Double?
    var errorHistogram: Histogram
    var dequantizedHistogram: Histogram
  }

  private static func displayParts(
    _ tensor: LoadedTensor, key: QuantKey, fittedNu: Double?, measurement: KernelMeasurement,
    isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> Display {
    let dequantized = try KernelAdapter.dequantize(
      tensor.sampleTensor, format: key.format, fittedNu: fittedNu, group: key.group, scale: key.scale,
      isCancelled: isCancelled)
    var errors: [Float] = []
    errors.reserveCapacity(dequantized.count)
    var largestError: Float = 0
    for (x, q) in zip(tensor.sample, dequantized) where x.isFinite {
      errors.append(x - q)
      largestError = max(largestError, abs(x - q))
    }
    let errorEdge = Double(largestError > 0 ? largestError : 1) * (1 + 1e-6)
    let edge = tensor.histogram.high
    let group = measurement.blockSize.map { GroupSetting.size($0) } ?? key.group
    return Display(
      displayScale: measurement.pointsArePlaceable
        ? medianGroupAmax(tensor, group: group) / measurement.pointMaxValue : nil,
      errorHistogram: Histogram(errors, low: -errorEdge, high: errorEdge, bins: 512),
      dequantizedHistogram: Histogram(dequantized, low: -edge, high: edge, bins: 1024))
  }

  private static func compose(_ measurement: KernelMeasurement, display: Display, isEstimate: Bool) -> QuantResult {
    QuantResult(
      mse: measurement.mse, sqnrDB: measurement.sqnrDB, maxAbsError: measurement.maxAbsError,
      relL2: measurement.relL2, codeUsage: measurement.codeUsage, codebook: measurement.points,
      displayScale: display.displayScale, errorHistogram: display.errorHistogram,
      dequantizedHistogram: display.dequantizedHistogram, isEstimate: isEstimate, milliseconds: 0)
  }

  /// The median of the groups' max |x| over the sample: where a typical group's codebook lands.
  static func medianGroupAmax(_ tensor: LoadedTensor, group: GroupSetting) -> Double {
    if group == .tensor { return tensor.amax }
    let values = tensor.sample
    let rowLength = max(tensor.entry.rowLength, 1)
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
