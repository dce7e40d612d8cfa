import Parallel
import TensorIO

extension ShippedErrorPass {
  /// Histogram of x − x̂ (original minus shipped) over the rows `RowSource.sampledRows` picks
  /// (at most `maxElements`, every row when they fit), as the explorer's format rows histogram
  /// their errors: `bins` bins over ±(largest |x − x̂| of those rows) (±1 when it is 0), elements
  /// where either side is not finite left out. `originalRows` maps rows as in `measure`.
  public static func errorHistogram(
    shipped: Tensor, original: Tensor, originalRows: [Int]? = nil, maxElements: Int, bins: Int,
    isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> Histogram {
    precondition(shipped.count == original.count)
    let count = shipped.count
    guard count > 0 else { return Histogram.empty(lower: -1, upper: 1, bins: bins) }
    // A row is what the row map moves (count / rows elements), else the tensor's own row.
    let rowLength = max(originalRows.map { count / max($0.count, 1) } ?? shipped.info.rowLength, 1)
    let rowCount = count / rowLength
    // Runs of rows to read: the sampled rows one by one, or everything in chunks (a single row
    // longer than `maxElements` is cut there).
    let runs: [Range<Int>]
    if let rows = RowSource.sampledRows(rowCount: rowCount, rowLength: rowLength, maxElements: maxElements) {
      runs = rows.map { $0..<($0 + 1) }
    } else {
      let rowsPerRun = max(1, chunkElements / rowLength)
      runs = stride(from: 0, to: rowCount, by: rowsPerRun).map { $0..<min($0 + rowsPerRun, rowCount) }
    }
    var errors: [Double] = []
    var shippedBuffer: [Float] = []
    var originalBuffer: [Float] = []
    for run in runs {
      if isCancelled() { throw Cancelled() }
      var range = (run.lowerBound * rowLength)..<(run.upperBound * rowLength)
      if originalRows == nil && range.count > maxElements {
        range = range.lowerBound..<(range.lowerBound + maxElements)
      }
      if shippedBuffer.count < range.count {
        shippedBuffer = [Float](repeating: 0, count: range.count)
        originalBuffer = [Float](repeating: 0, count: range.count)
      }
      shippedBuffer.withUnsafeMutableBufferPointer { whole in
        shipped.decode(range, into: UnsafeMutableBufferPointer(rebasing: whole[0..<range.count]))
      }
      originalBuffer.withUnsafeMutableBufferPointer { whole in
        guard let originalRows else {
          original.decode(range, into: UnsafeMutableBufferPointer(rebasing: whole[0..<range.count]))
          return
        }
        for row in run {
          let source = originalRows[row] * rowLength
          let offset = (row - run.lowerBound) * rowLength
          original.decode(
            source..<(source + rowLength),
            into: UnsafeMutableBufferPointer(rebasing: whole[offset..<(offset + rowLength)]))
        }
      }
      for (x, y) in zip(originalBuffer[0..<range.count], shippedBuffer[0..<range.count]) where x.isFinite && y.isFinite
      {
        errors.append(Double(x) - Double(y))
      }
    }
    let largest = errors.reduce(0) { max($0, abs($1)) }
    // A hair wider than the largest error so it falls inside the last bin.
    let edge = (largest > 0 ? largest : 1) * (1 + 1e-6)
    let bins = max(bins, 1)
    var counts = [Int](repeating: 0, count: bins)
    let perUnit = Double(bins) / (2 * edge)
    for error in errors {
      let position = (error + edge) * perUnit
      counts[position < 0 ? 0 : min(bins - 1, Int(position))] += 1
    }
    return Histogram(lower: -edge, upper: edge, counts: counts)
  }
}
