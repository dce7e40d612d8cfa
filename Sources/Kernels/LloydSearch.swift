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
    if found.count < 2 || (found.last ?? 0) <= 0 {
      // No data to learn from: fill in evenly spaced levels on [−1, 1].
      found = Array(Set(found + (0..<levels).map { -1 + 2 * Double($0) / Double(levels - 1) })).sorted()
      found = Array(found.prefix(max(levels, 2)))
      if (found.last ?? 0) <= 0 { found.append(1) }
    }
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

  /// Weighted Lloyd-Max (1-D k-means) of sorted `values`: the distinct converged levels.
  static func levelsOf(values: [Float], weights: [Double], count: Int) -> [Double] {
    guard !values.isEmpty else { return [] }
    // Prefix sums: weight and weighted value of the first i elements.
    var mass = [Double](repeating: 0, count: values.count + 1)
    var moment = mass
    for index in values.indices {
      mass[index + 1] = mass[index] + weights[index]
      moment[index + 1] = moment[index] + weights[index] * Double(values[index])
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
    var levels = (0..<count).map { Double(values[index(reaching: total * (Double($0) + 0.5) / Double(count))]) }
    let span = max(Double(abs(values[0])), Double(abs(values[values.count - 1])), 1e-300)
    for _ in 0..<LloydMax.iterationLimit {
      var next = levels
      var lower = 0
      for cell in 0..<count {
        let upper = cell + 1 < count ? end(atMost: (levels[cell] + levels[cell + 1]) / 2) : values.count
        let weight = mass[upper] - mass[lower]
        if upper > lower, weight > 0 { next[cell] = (moment[upper] - moment[lower]) / weight }
        lower = max(lower, upper)
      }
      let moved = zip(levels, next).map { abs($0 - $1) }.max() ?? 0
      levels = next
      if moved <= LloydMax.tolerance * span { break }
    }
    var distinct: [Double] = []
    for level in levels.sorted() where level != distinct.last { distinct.append(level) }
    return distinct
  }
}
