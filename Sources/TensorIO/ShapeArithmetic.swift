/// Overflow-checked element counts of shapes read from files.
enum ShapeArithmetic {
  /// The product of `shape`, or nil when the product of its non-zero dimensions overflows `Int`.
  ///
  /// Zero dimensions are left out of the check on purpose: `[0, 2^40, 2^40]` has no elements,
  /// but `TensorInfo.count` multiplies in whichever order the shape is stored and would trap on
  /// `2^40 · 2^40` before reaching the zero, so such a shape is refused whatever its order.
  static func elementCount(_ shape: [Int]) -> Int? {
    var product = 1
    var hasZero = false
    for dimension in shape {
      guard dimension >= 0 else { return nil }
      if dimension == 0 {
        hasZero = true
        continue
      }
      let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
      guard !overflow else { return nil }
      product = next
    }
    return hasZero ? 0 : product
  }
}
