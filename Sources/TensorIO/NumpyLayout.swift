/// Rewrites NumPy array data into tscope's one layout: C order, little-endian.
enum NumpyLayout {
  /// A C-order little-endian copy of `data` (`shape.product × itemSize` bytes, checked by the
  /// caller), transposing from Fortran order and swapping bytes as `element` requires.
  static func cOrderLittleEndian(
    _ data: UnsafeRawBufferPointer, shape: [Int], element: NumpyElementType, fortranOrder: Bool
  ) -> [UInt8] {
    let itemSize = element.itemSize
    var output = [UInt8](repeating: 0, count: data.count)
    let count = data.count / max(itemSize, 1)
    guard count > 0 else { return output }
    // Fortran strides in elements: axis 0 is fastest.
    var fortranStrides = [Int](repeating: 1, count: shape.count)
    for axis in shape.indices.dropFirst() { fortranStrides[axis] = fortranStrides[axis - 1] * shape[axis - 1] }
    var index = [Int](repeating: 0, count: shape.count)  // C-order odometer, last axis fastest
    var source = 0  // element offset of `index` in the Fortran layout
    output.withUnsafeMutableBytes { target in
      for position in 0..<count {
        let from = (fortranOrder ? source : position) * itemSize
        let to = position * itemSize
        // In bounds: `from` and `to` are element offsets below `count`, times itemSize.
        if element.isBigEndian {
          for unit in stride(from: 0, to: itemSize, by: element.swapUnit) {
            for byte in 0..<element.swapUnit {
              target[to + unit + byte] = data[from + unit + element.swapUnit - 1 - byte]
            }
          }
        } else {
          for byte in 0..<itemSize { target[to + byte] = data[from + byte] }
        }
        guard fortranOrder else { continue }
        var axis = shape.count - 1
        while axis >= 0 {
          index[axis] += 1
          source += fortranStrides[axis]
          if index[axis] < shape[axis] { break }
          source -= fortranStrides[axis] * shape[axis]
          index[axis] = 0
          axis -= 1
        }
      }
    }
    return output
  }
}
