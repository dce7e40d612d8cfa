import CKernels
import Testing

/// The IQ4 searches' rounding (`tk_iq4_index`, branch-free) against ggml's `best_index_int8`
/// (ggml-quants.c at the fixtures' llama.cpp commit, ported line for line below) on every value,
/// every midpoint (the ties), the floats next to them, the ends and far beyond.
struct IQ4IndexTests {
  private static let values: [Int8] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

  private static func ggmlBestIndex(_ x: Float) -> Int32 {
    let val = values.map(Float.init)
    if x <= val[0] { return 0 }
    if x >= val[15] { return 15 }
    var ml = 0
    var mu = 15
    while mu - ml > 1 {
      let mav = (ml + mu) / 2
      if x < val[mav] { mu = mav } else { ml = mav }
    }
    return Int32(x - val[mu - 1] < val[mu] - x ? mu - 1 : mu)
  }

  @Test func equalsGGMLsBinarySearch() {
    var points: [Float] = [-1e30, -1000, 0, -0.0, 1000, 1e30, .leastNonzeroMagnitude]
    for value in Self.values { points.append(Float(value)) }
    for (low, high) in zip(Self.values, Self.values.dropFirst()) { points.append((Float(low) + Float(high)) / 2) }
    for point in points {
      for x in [point, point.nextUp, point.nextDown, point + 0.25, point - 0.25] {
        #expect(tk_iq4_index(x) == Self.ggmlBestIndex(x), "x = \(x)")
      }
    }
    for step in 0..<20_000 {  // an irregular walk over [−140, 140]
      let x = Float(-140 + 280 * (Double(step) * 0.618_034).truncatingRemainder(dividingBy: 1))
      #expect(tk_iq4_index(x) == Self.ggmlBestIndex(x), "x = \(x)")
    }
  }
}
