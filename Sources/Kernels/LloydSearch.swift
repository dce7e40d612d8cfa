import Formats
import Parallel
import TensorIO

/// `lloyd@K`: the K-value codebook with the least MSE on a tensor under its group scaling.
///
/// Every group maps its amax onto 1 (the codebook's `scaleOnto`), so an element x of a group with
/// amax a is y = x / a in [−1, 1] and costs a²·(y − q(y))² in the tensor's MSE. The codebook is
/// weighted 1-D k-means (Lloyd-Max) on the y of the finite elements with weights a²: it
/// minimizes exactly the MSE the kernel then measures (for `tensor` groups the weights are
/// equal). It runs on the sorted y with prefix sums, so an iteration costs K binary searches;
/// it starts from the weighted quantiles at (k + ½)/K and stops when no level moves by more
/// than `LloydMax.tolerance` or after `LloydMax.iterationLimit` iterations. A tensor above
/// `sampleElements` builds its codebook on the deterministic row sample
/// (`RowSelection.sample`) and is then quantized whole with it. Cells that end up empty (a
/// tensor with fewer distinct values than K) leave fewer values.
public enum LloydSearch {
  /// Elements the codebook is built on at most.
  public static let sampleElements = 1 << 21

  /// The Lloyd codebook for `tensor` under `settings` (group and rows; the scale mode then
  /// applies to it as to any codebook), with id `id`.
  public static func bestFormat(
    levels: Int, id: String, tensor: Tensor, settings: QuantizationSettings,
    isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> QuantFormat {
    let (values, weights) = try scaledValues(tensor, settings: settings, isCancelled: isCancelled)
    if isCancelled() { throw Cancelled() }
    var found = levelsOf(values: values, weights: weights, count: levels)
    // Too few distinct values to learn from (a codebook needs two values, the largest positive).
    if (found.last ?? 0) <= 0 { found.append(1) }
    if found.count < 2 { found.insert(-1, at: 0) }
    let name = levels == 16 ? "Lloyd" : "Lloyd\(levels)"
    return .codebook(
      Codebook(
        id: id, name: name, bits: FormatSpec.bits(forLevels: levels), values: found, scaleOnto: 1))
  }

  /// The y = x / amax of the finite elements of the rows the codebook is built on, ascending,
  /// with their group's amax² as weights.
  static func scaledValues(
    _ tensor: Tensor, settings: QuantizationSettings, isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> (values: [Float], weights: [Double]) {
    var limit = sampleElements
    if case .sample(let maxElements) = settings.rows { limit = min(limit, maxElements) }
    let sample = RowSample.tensor(of: tensor, maxElements: limit)
    let data = sample.decodedValues()
    let rowLength = max(tensor.info.rowLength, 1)
    var tensorAmax: Float?
    if settings.group == .tensor {
      // The amax the kernel uses for `tensor` groups: over the rows it reads.
      var probe = settings
      probe.scale = .absmax
      let source = RowSource(tensor: tensor, rows: settings.rows, threads: settings.threads)
      let plan = try KernelPlan(
        source: source, format: .codebook(FormatCatalog.lloydNormal), settings: probe, isCancelled: isCancelled)
      tensorAmax = plan.fixedAmax
    }
    let groupLength = settings.group.elementsPerGroup(rowLength: rowLength)
    var pairs: [(y: Float, weight: Double)] = []
    pairs.reserveCapacity(data.count)
    var rowStart = 0
    while rowStart < data.count {
      let rowEnd = min(rowStart + rowLength, data.count)
      var start = rowStart
      while start < rowEnd {
        let end = min(start + groupLength, rowEnd)
        var amax: Float = tensorAmax ?? 0
        if tensorAmax == nil {
          for value in data[start..<end] where value.isFinite { amax = max(amax, abs(value)) }
        }
        // A group whose scale is 0 dequantizes to zeros whatever the codebook.
        if amax > 0, amax.isFinite {
          let weight = Double(amax) * Double(amax)
          for value in data[start..<end] where value.isFinite {
            let y = value / amax
            if y.isFinite { pairs.append((y, weight)) }
          }
        }
        start = end
      }
      rowStart = rowEnd
    }
    pairs.sort { $0.y < $1.y }
    return (pairs.map(\.y), pairs.map(\.weight))
  }

  /// Iterations at most from each start (README "Optimal codebook").
  public static let iterationLimit = 2000

  /// The starts of the search, in the order they are tried: the weighted quantiles at
  /// (k + ½)/K, K evenly spaced levels on [−1, 1], then every built-in 4-bit codebook that has
  /// at most K values, under the same scaling (its values over its full scale), padded to K
  /// levels by splitting its widest gap (the first of equal ones). Lloyd's iterations never raise the MSE, so the result is
  /// never worse on the data it learns from than any of these codebooks.
  static func starts(count: Int) -> [[Double]] {
    var starts: [[Double]] = [(0..<count).map { -1 + 2 * Double($0) / Double(max(count - 1, 1)) }]
    let builtIns = FormatCatalog.all.compactMap { format -> Codebook? in
      guard case .codebook(let codebook) = format, codebook.bits == 4, codebook.values.count <= count else {
        return nil
      }
      return codebook
    }
    for codebook in builtIns + [FormatCatalog.lloydNormal] {
      var levels = codebook.values.map { $0 / codebook.fullScale }
      while levels.count < count {
        var widest = 0
        for gap in 1..<(levels.count - 1) where levels[gap + 1] - levels[gap] > levels[widest + 1] - levels[widest] {
          widest = gap
        }
        levels.insert((levels[widest] + levels[widest + 1]) / 2, at: widest + 1)
      }
      starts.append(levels)
    }
    return starts
  }

  /// Weighted Lloyd-Max (1-D k-means) of sorted `values` from every start (`starts(count:)`,
  /// after the weighted quantiles): the distinct levels of the result with the least weighted
  /// squared error (the earlier start on a tie).
  static func levelsOf(values: [Float], weights: [Double], count: Int) -> [Double] {
    guard !values.isEmpty else { return [] }
    // Prefix sums: weight, weighted value and weighted square of the first i elements.
    var mass = [Double](repeating: 0, count: values.count + 1)
    var moment = mass
    var square = mass
    for index in values.indices {
      let y = Double(values[index])
      mass[index + 1] = mass[index] + weights[index]
      moment[index + 1] = moment[index] + weights[index] * y
      square[index + 1] = square[index] + weights[index] * y * y
    }
    let total = mass[values.count]
    guard total > 0 else { return [] }
    // The first index whose cumulative mass reaches `target`.
    func index(reaching target: Double) -> Int {
      var low = 0
      var high = values.count
      while low < high {
        let middle = (low + high) / 2
        if mass[middle + 1] < target { low = middle + 1 } else { high = middle }
      }
      return min(low, values.count - 1)
    }
    // Elements ≤ threshold go below it (the kernel's ties go to the lower value).
    func end(atMost threshold: Double) -> Int {
      var low = 0
      var high = values.count
      while low < high {
        let middle = (low + high) / 2
        if Double(values[middle]) <= threshold { low = middle + 1 } else { high = middle }
      }
      return low
    }
    // Cell boundaries (element index ranges) of sorted levels.
    func cells(_ levels: [Double]) -> [Range<Int>] {
      var lower = 0
      return (0..<levels.count).map { cell in
        var upper = values.count
        if cell + 1 < levels.count { upper = max(lower, end(atMost: (levels[cell] + levels[cell + 1]) / 2)) }
        defer { lower = upper }
        return lower..<upper
      }
    }
    let span = max(Double(abs(values[0])), Double(abs(values[values.count - 1])), 1e-300)
    func refine(_ start: [Double]) -> (levels: [Double], error: Double) {
      var levels = start.sorted()
      for _ in 0..<iterationLimit {
        var next = levels
        for (cell, range) in cells(levels).enumerated() {
          let weight = mass[range.upperBound] - mass[range.lowerBound]
          if !range.isEmpty, weight > 0 {
            next[cell] = (moment[range.upperBound] - moment[range.lowerBound]) / weight
          }
        }
        let moved = zip(levels, next).map { abs($0 - $1) }.max() ?? 0
        levels = next.sorted()
        if moved <= LloydMax.tolerance * span { break }
      }
      var error = 0.0
      for (cell, range) in cells(levels).enumerated() {
        let (a, b) = (range.lowerBound, range.upperBound)
        let level = levels[cell]
        let cellSquare: Double = square[b] - square[a]
        let cellMoment: Double = moment[b] - moment[a]
        let cellMass: Double = mass[b] - mass[a]
        error += cellSquare - 2 * level * cellMoment + level * level * cellMass
      }
      return (levels, error)
    }
    let quantiles = (0..<count).map { Double(values[index(reaching: total * (Double($0) + 0.5) / Double(count))]) }
    var best = refine(quantiles)
    for start in starts(count: count) {
      let candidate = refine(start)
      if candidate.error < best.error { best = candidate }
    }
    var distinct: [Double] = []
    for level in best.levels where level != distinct.last { distinct.append(level) }
    return distinct
  }
}
