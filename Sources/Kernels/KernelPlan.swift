import CKernels
import Formats
import Foundation
import Parallel
import TensorIO

/// One format on one tensor's rows: the group layout and the tensor-wide constants
/// (whole-tensor amax or range, NVFP4's tensor amax), and the C calls that do the work.
struct KernelPlan: Sendable {
  let source: RowSource
  let format: QuantFormat
  let settings: QuantizationSettings
  let groupLength: Int
  /// The amax every group uses (`tensor` groups); negative: per group.
  let fixedAmax: Float
  let fixedMin: Float
  let fixedMax: Float
  private let codebook: PreparedCodebook?

  init(
    source: RowSource, format: QuantFormat, settings: QuantizationSettings, isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) {
    self.source = source
    self.format = format
    self.settings = settings
    if case .codebook(let codebook) = format {
      self.codebook = PreparedCodebook(codebook)
    } else {
      self.codebook = nil
    }
    groupLength = format.blockSize ?? settings.group.elementsPerGroup(rowLength: source.rowLength)
    let needsTensorRange = settings.group == .tensor && format.blockSize == nil || format.usesTensorAmax
    if needsTensorRange {
      // The range depends only on the rows read, not on the format: computed once per tensor.
      let (minimum, maximum) = try source.tensor.memoized("min-max \(settings.rows)") {
        () throws(Cancelled) -> (Float, Float) in
        let ranges = try source.map(isCancelled: isCancelled) { layout, _ in
          var minimum: Float = 0
          var maximum: Float = 0
          let count = layout.rows * layout.row_length
          tk_min_max(layout.source, layout.dtype, count, &minimum, &maximum)
          return (minimum, maximum)
        }
        return (ranges.map(\.0).min() ?? 0, ranges.map(\.1).max() ?? 0)
      }
      fixedMin = min(minimum, 0)
      fixedMax = max(maximum, 0)
      fixedAmax = max(-minimum, maximum, 0)
    } else {
      fixedMin = 0
      fixedMax = 0
      fixedAmax = -1
    }
  }

  /// The clip ratio to run with: 1 for absmax (and for MXFP4/NVFP4, whose recipes fix the
  /// scale); for mse, the ratio of `ScaleMode.clipRatios` with the least total squared error
  /// (the first one on a tie).
  func bestClip(isCancelled: @Sendable () -> Bool) throws(Cancelled) -> Float {
    guard settings.scale == .mse, format.blockSize == nil else { return 1 }
    let ratios = ScaleMode.clipRatios
    let errors: [[Double]]
    if let codebook {
      errors = try source.map(isCancelled: isCancelled) { layout, _ in
        configure(&layout)
        var sse = [Double](repeating: 0, count: ratios.count)
        codebook.withCodebook { prepared in
          tk_clip_search_codebook(&layout, prepared, ratios, Int32(ratios.count), &sse)
        }
        return sse
      }
    } else {
      // INT4-asym: one full pass per ratio (not the hot path).
      errors = try source.map(isCancelled: isCancelled) { layout, _ in
        configure(&layout)
        return ratios.map { ratio in
          var sums = tk_sums()
          var usage = [Int64](repeating: 0, count: 16)
          tk_quantize_block(&layout, Int32(TK_INT4_ASYM.rawValue), ratio, 0, &sums, &usage, nil)
          return sums.sum_sq_err
        }
      }
    }
    var best = 0
    var bestError = Double.infinity
    for index in ratios.indices {
      let total = errors.reduce(0) { $0 + $1[index] }
      if total < bestError {
        bestError = total
        best = index
      }
    }
    return ratios[best]
  }

  /// Rounds every read element with `clip`, writing x̂ to `output` (indexed by flat element)
  /// when given, and returns the merged sums.
  func run(
    clip: Float, output: UnsafeMutableBufferPointer<Float>?, isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> KernelTotals {
    let destination = output?.baseAddress.map(PieceOutput.init)
    let parts = try source.map(isCancelled: isCancelled) { layout, firstElement in
      configure(&layout)
      // In bounds: the piece's elements are firstElement..<firstElement + rows * row_length,
      // inside the tensor, and `output` holds one Float per tensor element.
      return totals(
        layout: &layout, firstRow: firstElement / source.rowLength, clip: clip,
        output: destination.map { $0.start + firstElement })
    }
    return KernelTotals(merging: parts, clip: clip)
  }

  /// Runs several plans over the rows of one source in a single pass: each piece is read by every
  /// plan while it is in cache (codebook plans on the same groups by one kernel call that reads
  /// each group once). Each plan's totals equal its own `run(clip:output:isCancelled:)` bit for
  /// bit (the same arithmetic per piece in the same order, merged in the same piece order).
  static func runTogether(
    _ plans: [KernelPlan], clips: [Float], isCancelled: @Sendable () -> Bool
  ) throws(Cancelled) -> [KernelTotals] {
    guard let source = plans.first?.source else { return [] }
    // Codebook plans of up to 16 values on the same groups go to the kernel together, which reads
    // each group once for all of them; the rest run one after another on the piece.
    var grouped: [[Int]] = []
    for index in plans.indices where (plans[index].codebook?.values.count ?? .max) <= 16 {
      if let batch = grouped.firstIndex(where: { plans[$0[0]].sharesGroups(with: plans[index]) }) {
        grouped[batch].append(index)
      } else {
        grouped.append([index])
      }
    }
    let batches = grouped.filter { $0.count > 1 }
    let alone = plans.indices.filter { index in !batches.contains { $0.contains(index) } }
    let parts = try source.map(isCancelled: isCancelled) { layout, firstElement in
      var totals = [KernelTotals?](repeating: nil, count: plans.count)
      for batch in batches {
        var batchLayout = layout
        plans[batch[0]].configure(&batchLayout)
        for (index, result) in zip(
          batch, totalsTogether(batch.map { plans[$0] }, clips: batch.map { clips[$0] }, layout: &batchLayout))
        {
          totals[index] = result
        }
      }
      for index in alone {
        var planLayout = layout
        plans[index].configure(&planLayout)
        totals[index] = plans[index].totals(
          layout: &planLayout, firstRow: firstElement / source.rowLength, clip: clips[index], output: nil)
      }
      return totals.map { $0! }
    }
    return plans.indices.map { index in
      KernelTotals(merging: parts.map { $0[index] }, clip: clips[index])
    }
  }

  /// Whether `other` rounds the same groups with the same tensor-wide constants (so one kernel
  /// walk can serve both).
  private func sharesGroups(with other: KernelPlan) -> Bool {
    groupLength == other.groupLength && fixedAmax.bitPattern == other.fixedAmax.bitPattern
      && fixedMin.bitPattern == other.fixedMin.bitPattern && fixedMax.bitPattern == other.fixedMax.bitPattern
  }

  /// One piece's totals for several codebook plans that share their groups, from one kernel
  /// call (`tk_quantize_codebooks`); each equals the plan's own `totals` bit for bit.
  private static func totalsTogether(
    _ plans: [KernelPlan], clips: [Float], layout: inout tk_layout
  ) -> [KernelTotals] {
    let codebooks = plans.map { $0.codebook! }
    let counts = plans.map(\.format.values.count)
    let usage = UnsafeMutableBufferPointer<Int64>.allocate(capacity: counts.reduce(0, +))
    defer { usage.deallocate() }
    usage.initialize(repeating: 0)
    var offsets: [Int] = []
    var offset = 0
    for count in counts {
      offsets.append(offset)
      offset += count
    }
    // In bounds: usage holds counts.reduce(0, +) entries, and plan p's counts start at offsets[p].
    let usagePointers: [UnsafeMutablePointer<Int64>?] = offsets.map { usage.baseAddress! + $0 }
    var sums = [tk_sums](repeating: tk_sums(), count: plans.count)
    PreparedCodebook.withCodebooks(codebooks[...]) { views in
      tk_quantize_codebooks(&layout, Int32(plans.count), views, clips, &sums, usagePointers)
    }
    return plans.indices.map { index in
      KernelTotals(sums: sums[index], usage: Array(usage[offsets[index]..<offsets[index] + counts[index]]))
    }
  }

  /// One piece's sums and code counts (x̂ to `output`, indexed from the piece's first element);
  /// `firstRow` is the piece's first row in the tensor.
  func totals(layout: inout tk_layout, firstRow: Int, clip: Float, output: UnsafeMutablePointer<Float>?)
    -> KernelTotals
  {
    var sums = tk_sums()
    var usage = [Int64](repeating: 0, count: format.values.count)
    if let codebook {
      codebook.withCodebook { prepared in
        tk_quantize_codebook(&layout, prepared, clip, &sums, &usage, output)
      }
    } else {
      quantizeBlocks(&layout, firstRow: firstRow, clip: clip, sums: &sums, usage: &usage, output: output)
    }
    return KernelTotals(sums: sums, usage: usage)
  }

  /// Rounds piece by piece and hands `body` each piece's inputs (decoded to Float32) and x̂,
  /// so callers can bin or compare without a whole-tensor copy. Results in piece order.
  func mapRounded<T: Sendable>(
    clip: Float, isCancelled: @Sendable () -> Bool,
    _ body: @Sendable (_ original: UnsafeBufferPointer<Float>, _ rounded: UnsafeBufferPointer<Float>) -> T
  ) throws(Cancelled) -> [T] {
    let codeCount = format.values.count
    let tensor = source.tensor
    return try source.map(isCancelled: isCancelled) { layout, firstElement in
      configure(&layout)
      let count = Int(layout.rows * layout.row_length)
      let original = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
      let rounded = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
      defer {
        original.deallocate()
        rounded.deallocate()
      }
      tensor.decode(firstElement..<(firstElement + count), into: original)
      var sums = tk_sums()
      var usage = [Int64](repeating: 0, count: codeCount)
      // `rounded` holds exactly the piece's elements, which the C kernel indexes from 0.
      if let codebook {
        codebook.withCodebook { prepared in
          tk_quantize_codebook(&layout, prepared, clip, &sums, &usage, rounded.baseAddress)
        }
      } else {
        quantizeBlocks(
          &layout, firstRow: firstElement / source.rowLength, clip: clip, sums: &sums, usage: &usage,
          output: rounded.baseAddress)
      }
      return body(UnsafeBufferPointer(original), UnsafeBufferPointer(rounded))
    }
  }

  /// Runs a non-codebook format's own C kernel on one piece whose first row is `firstRow`.
  private func quantizeBlocks(
    _ layout: inout tk_layout, firstRow: Int, clip: Float, sums: inout tk_sums, usage: inout [Int64],
    output: UnsafeMutablePointer<Float>?
  ) {
    switch format {
    case .mx(let mx):
      var element = mx.element.kernelElement
      tk_quantize_mx(&layout, &element, mx.rule.kernelRule, &sums, &usage, output)
    case .nvfp4Variant(let variant):
      tk_quantize_nv_variant(&layout, variant.kernelVariant, fixedAmax, &sums, &usage, output)
    case .ggml(let type, let importance):
      guard let importance, importance.experts > 0 else {
        tk_quantize_ggml(&layout, type.kernelType, nil, &sums, &usage, output)
        return
      }
      importance.values.withUnsafeBufferPointer { values in
        var guide = tk_ggml_importance(
          values: values.baseAddress, rows_per_expert: Int64(rowsPerExpert(importance)),
          experts: Int64(importance.experts), first_row: Int64(firstRow))
        tk_quantize_ggml(&layout, type.kernelType, &guide, &sums, &usage, output)
      }
    case .codebook, .int4Asymmetric, .mxfp4, .nvfp4:
      tk_quantize_block(&layout, blockKind, clip, fixedAmax, &sums, &usage, output)
    }
  }

  /// The rows of each expert in the rows this plan reads: the importance's own count on the whole
  /// tensor; on a row sample of an expert tensor (the explorer's estimates, a tensor of sampled
  /// rows evenly spread), the sample's rows shared out evenly among the experts.
  private func rowsPerExpert(_ importance: GGMLImportance) -> Int {
    let rows = source.tensor.count / max(source.rowLength, 1)
    guard importance.experts > 1, rows != importance.experts * importance.rowsPerExpert else {
      return importance.rowsPerExpert
    }
    return max(rows / importance.experts, 1)
  }

  /// The C id of a format `tk_quantize_block` runs.
  private var blockKind: Int32 {
    switch format {
    case .mxfp4: Int32(TK_MXFP4.rawValue)
    case .nvfp4: Int32(TK_NVFP4.rawValue)
    default: Int32(TK_INT4_ASYM.rawValue)
    }
  }

  func configure(_ layout: inout tk_layout) {
    layout.group = Int64(groupLength)
    layout.fixed_amax = format.blockSize == nil ? fixedAmax : -1
    layout.fixed_min = fixedMin
    layout.fixed_max = fixedMax
  }
}

extension QuantFormat {
  /// Whether the format's recipe reads the tensor-wide amax (NVFP4 and its variants).
  fileprivate var usesTensorAmax: Bool {
    switch self {
    case .nvfp4, .nvfp4Variant: true
    default: false
    }
  }
}

/// Where the pieces of one run write x̂: the start of a buffer with one Float per tensor element.
// @unchecked: a pointer is not Sendable. Sharing this one is safe because every piece writes only
// its own elements (firstElement..<firstElement + its count; pieces are disjoint row ranges), and
// `run` returns only after every piece is done (`RowSource.map` blocks until then), so the buffer
// outlives all writes and no two threads touch the same element.
private struct PieceOutput: @unchecked Sendable {
  let start: UnsafeMutablePointer<Float>
}

/// Error sums and code counts merged over pieces.
struct KernelTotals {
  var sums: tk_sums
  var usage: [Int64]
  var clip: Float = 1

  init(sums: tk_sums, usage: [Int64]) {
    self.sums = sums
    self.usage = usage
  }

  init(merging parts: [KernelTotals], clip: Float) {
    var sums = tk_sums()
    var usage = [Int64](repeating: 0, count: parts.first?.usage.count ?? 0)
    for part in parts {
      sums.sum_sq_err += part.sums.sum_sq_err
      sums.sum_sq_x += part.sums.sum_sq_x
      sums.max_abs_err = max(sums.max_abs_err, part.sums.max_abs_err)
      sums.finite += part.sums.finite
      sums.nonfinite += part.sums.nonfinite
      for index in usage.indices { usage[index] += part.usage[index] }
    }
    self.sums = sums
    self.usage = usage
    self.clip = clip
  }

  func metrics(plan: KernelPlan) -> QuantizationMetrics {
    let finite = Int(sums.finite)
    let mse = finite > 0 ? sums.sum_sq_err / Double(finite) : 0
    let sqnr = sums.sum_sq_err > 0 ? 10 * log10(sums.sum_sq_x / sums.sum_sq_err) : .infinity
    let relative = sums.sum_sq_x > 0 ? (sums.sum_sq_err / sums.sum_sq_x).squareRoot() : 0
    let usageCounts = usage.isEmpty ? [Int](repeating: 0, count: plan.format.values.count) : usage.map { Int($0) }
    let effective = plan.settings.effective(for: plan.format)
    return QuantizationMetrics(
      format: plan.format, group: effective.group, scaleMode: effective.scale, clipRatio: ScaleMode.decimal(of: clip),
      count: plan.source.elementCount, finiteCount: finite, nonFiniteCount: Int(sums.nonfinite), mse: mse,
      sqnrDB: sqnr, maxAbsError: sums.max_abs_err, relativeL2: relative, signal: sums.sum_sq_x, codeUsage: usageCounts,
      isEstimate: plan.source.isSample)
  }
}
