// The explorer's only contact with Formats, Kernels and Stats: if their APIs drift, only this
// file changes. (Provisional bodies until those modules land on this branch.)
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why an analysis step stopped.
public enum AnalysisError: Error, Sendable, Equatable {
  case cancelled
  case unavailable(String)
}

/// Codebooks and format ids.
public enum FormatAdapter {
  /// The codebook values (before scaling, ascending) of a format id; `nu` resolves `sf4@fit`.
  public static func codebook(_ id: String, fittedNu: Double?) throws(AnalysisError) -> [Double] {
    if let plus = id.firstIndex(of: "+") {
      let base = try codebook(String(id[..<plus]), fittedNu: fittedNu)
      guard let extra = Double(id[id.index(after: plus)...]) else { throw .unavailable("bad value in \(id)") }
      return (base + [extra]).sorted()
    }
    switch id {
    case "int4": return (-8...7).map(Double.init)
    case "nf4":
      return [
        -1, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
        -0.18477343022823334, -0.09105003625154495, 0, 0.07958029955625534, 0.16093020141124725,
        0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1,
      ]
    case "e2m1": return symmetric([0.5, 1, 1.5, 2, 3, 4, 6])
    case "e2m1-i": return symmetric([0.0625, 1, 1.5, 2, 3, 4, 6])
    case "e2m1-b": return symmetric([0.0625, 2, 3, 4, 6, 8, 12])
    case "e2m1-sr": return (symmetric([0.5, 1, 1.5, 2, 3, 4, 6]) + [8]).sorted()
    case "e2m1-sp": return (symmetric([0.5, 1, 1.5, 2, 3, 4, 6]) + [5]).sorted()
    case "e1m2": return symmetric([1.25, 1.5, 1.75, 2, 2.5, 3, 3.5])
    case "e3m0": return symmetric([0.25, 0.5, 1, 2, 4, 8, 16])
    case "apot4": return symmetric([0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1])
    case "apot4-sp": return (symmetric([0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1]) + [0.5]).sorted()
    default: throw .unavailable("\(id) is not available in this build")
    }
  }

  /// The id of a supernormal variant: the paper's names where they exist, else `ID+VALUE` with
  /// super-range one step past the maximum and super-precision in the middle of the widest gap.
  public static func supernormalID(base: String, variant: Supernormal) -> String {
    switch (base, variant) {
    case (_, .none): return base
    case ("e2m1", .superRange): return "e2m1-sr"
    case ("e2m1", .superPrecision): return "e2m1-sp"
    case ("apot4", .superPrecision): return "apot4-sp"
    default: break
    }
    let positives = ((try? codebook(base, fittedNu: nil)) ?? []).filter { $0 > 0 }
    guard positives.count >= 2 else { return base }
    let value: Double
    if variant == .superRange {
      value = positives[positives.count - 1] * 2 - positives[positives.count - 2]
    } else {
      var widest = (gap: 0.0, middle: 0.0)
      for (lower, upper) in zip(positives, positives.dropFirst()) where upper - lower > widest.gap + 1e-12 {
        widest = (upper - lower, (upper + lower) / 2)
      }
      value = widest.middle
    }
    return "\(base)+\(formatValue(value))"
  }

  private static func symmetric(_ positives: [Double]) -> [Double] {
    (positives.reversed().map { -$0 } + [0] + positives)
  }

  private static func formatValue(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
  }
}

/// Distribution fits.
public enum FitAdapter {
  /// Fits t and normal to the finite values (a deterministic sample for large tensors).
  public static func fit(_ values: [Float], isCancelled: @Sendable () -> Bool) throws(AnalysisError) -> FitSummary {
    var count = 0.0
    var sum = 0.0
    for value in values where value.isFinite {
      count += 1
      sum += Double(value)
    }
    guard count > 1 else { throw .unavailable("no finite values") }
    let mean = sum / count
    var m2 = 0.0
    var m4 = 0.0
    for value in values where value.isFinite {
      let d = Double(value) - mean
      m2 += d * d
      m4 += d * d * d * d
    }
    if isCancelled() { throw .cancelled }
    let variance = m2 / count
    let excess = variance > 0 ? (m4 / count) / (variance * variance) - 3 : 0
    // Method of moments: excess kurtosis 6/(ν−4). (Interim until the Stats fits land.)
    let nu = excess > 0.05 ? 4 + 6 / excess : 200
    let scale = variance.squareRoot() * ((nu - 2) / nu).squareRoot()
    return FitSummary(
      nu: nu, tLoc: mean, tScale: scale, normalLoc: mean, normalStd: variance.squareRoot(),
      best: nu < 60 ? "t" : "normal")
  }

  public static func studentTDensity(_ x: Double, nu: Double, loc: Double, scale: Double) -> Double {
    guard scale > 0, nu > 0 else { return 0 }
    let z = (x - loc) / scale
    let logNormalizer = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * Double.pi) - log(scale)
    return exp(logNormalizer - (nu + 1) / 2 * log1p(z * z / nu))
  }

  public static func normalDensity(_ x: Double, loc: Double, scale: Double) -> Double {
    guard scale > 0 else { return 0 }
    let z = (x - loc) / scale
    return exp(-0.5 * z * z) / (scale * (2 * Double.pi).squareRoot())
  }
}

/// What one kernel run measured.
public struct KernelMeasurement: Sendable {
  public var mse: Double
  public var sqnrDB: Double
  public var maxAbsError: Double
  public var relL2: Double
  /// Elements per codebook value (ascending).
  public var codeUsage: [Int]
  /// The dequantized values, when asked for.
  public var dequantized: [Float]?
}

/// The kernel: quantize, dequantize, error sums.
public enum KernelAdapter {
  /// Quantizes `values` (rows of `rowLength`) to `format` and measures the error; checks
  /// `isCancelled` between groups and throws `.cancelled` when it turns true.
  public static func measure(
    _ values: [Float], rowLength: Int, format: String, fittedNu: Double?, group: GroupSetting, scale: ScaleMode,
    keepDequantized: Bool, isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> KernelMeasurement {
    let codebook = try FormatAdapter.codebook(format, fittedNu: fittedNu)
    let groupSize = group.elements(count: values.count, rowLength: rowLength)
    let rowLength = group == .tensor ? values.count : max(rowLength, 1)
    let maxCode = codebook.map(abs).max() ?? 1
    let thresholds = zip(codebook, codebook.dropFirst()).map { ($0 + $1) / 2 }
    var bestClip = 1.0
    if scale == .mse {
      var bestError = Double.infinity
      for step in 0..<40 {
        let clip = 1 - 0.005 * Double(step)
        let sums = try walk(values, rowLength, groupSize, codebook, thresholds, maxCode, clip, nil, isCancelled)
        if sums.sse < bestError { (bestClip, bestError) = (clip, sums.sse) }
      }
    }
    var dequantized = [Float](repeating: 0, count: keepDequantized ? values.count : 0)
    let sums = try dequantized.withUnsafeMutableBufferPointer { output throws(AnalysisError) in
      try walk(
        values, rowLength, groupSize, codebook, thresholds, maxCode, bestClip, keepDequantized ? output : nil,
        isCancelled)
    }
    let finite = max(Double(sums.finite), 1)
    return KernelMeasurement(
      mse: sums.sse / finite,
      sqnrDB: sums.sse > 0 ? 10 * log10(sums.sumSquares / sums.sse) : .infinity,
      maxAbsError: sums.maxError,
      relL2: sums.sumSquares > 0 ? (sums.sse / sums.sumSquares).squareRoot() : 0,
      codeUsage: sums.usage, dequantized: keepDequantized ? dequantized : nil)
  }

  private struct Sums {
    var sse = 0.0
    var sumSquares = 0.0
    var maxError = 0.0
    var finite = 0
    var usage: [Int]
  }

  private static func walk(
    _ values: [Float], _ rowLength: Int, _ groupSize: Int, _ codebook: [Double], _ thresholds: [Double],
    _ maxCode: Double, _ clip: Double, _ output: UnsafeMutableBufferPointer<Float>?,
    _ isCancelled: @Sendable () -> Bool
  ) throws(AnalysisError) -> Sums {
    var sums = Sums(usage: [Int](repeating: 0, count: codebook.count))
    let zeroCode = codebook.firstIndex(where: { $0 >= 0 }) ?? 0
    var rowStart = 0
    while rowStart < values.count {
      if isCancelled() { throw .cancelled }
      let rowEnd = min(rowStart + rowLength, values.count)
      var start = rowStart
      while start < rowEnd {
        let end = min(start + groupSize, rowEnd)
        var amax = 0.0
        for index in start..<end where values[index].isFinite { amax = max(amax, Double(abs(values[index]))) }
        let scale = amax * clip / maxCode
        for index in start..<end where values[index].isFinite {
          let x = Double(values[index])
          var code = zeroCode
          if scale > 0 {
            let y = x / scale
            var low = 0
            var high = thresholds.count
            while low < high {
              let middle = (low + high) / 2
              if thresholds[middle] < y { low = middle + 1 } else { high = middle }
            }
            code = low
          }
          let q = scale > 0 ? codebook[code] * scale : 0
          sums.usage[code] += 1
          let error = x - q
          sums.sse += error * error
          sums.sumSquares += x * x
          sums.maxError = max(sums.maxError, abs(error))
          sums.finite += 1
          output?[index] = Float(q)
        }
        start = end
      }
      rowStart = rowEnd
    }
    return sums
  }
}
