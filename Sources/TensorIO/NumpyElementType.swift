/// What a `.npy` `descr` string (`<f4`, `>i2`, `|b1`, …) means for tscope: the dtype, the
/// bytes per element, and how to bring big-endian data to little-endian.
struct NumpyElementType: Equatable {
  let dtype: DType
  let itemSize: Int
  /// Width of the units whose bytes are reversed to change byte order (1: nothing to swap;
  /// a complex number swaps its two halves separately).
  let swapUnit: Int
  let isBigEndian: Bool

  /// Parses `descr`; errors name `file`.
  init(descr: String, file: String) throws(TensorFileError) {
    let characters = Array(descr.utf8)
    func unsupported() -> TensorFileError {
      TensorFileError(file: file, problem: "unsupported .npy dtype \(MessageText.quoted(descr))")
    }
    guard characters.count >= 3, let order = characters.first, "<>|=".utf8.contains(order),
      let size = Int(String(decoding: characters.dropFirst(2), as: UTF8.self)), size > 0, size <= 64
    else { throw unsupported() }
    let kind = Character(UnicodeScalar(characters[1]))
    switch (kind, size) {
    case ("f", 2): dtype = .f16
    case ("f", 4): dtype = .f32
    case ("f", 8): dtype = .f64
    case ("i", 1): dtype = .i8
    case ("i", 2): dtype = .i16
    case ("i", 4): dtype = .i32
    case ("i", 8): dtype = .i64
    case ("u", 1): dtype = .u8
    case ("b", 1): dtype = .bool
    case ("u", 2), ("u", 4), ("u", 8): dtype = .other("U\(size * 8)")
    case ("c", 8), ("c", 16): dtype = .other("C\(size * 8)")
    case ("f", 16), ("f", 12): dtype = .other("F\(size * 8)")
    default: throw unsupported()
    }
    itemSize = size
    swapUnit = kind == "c" ? size / 2 : size
    // '=' is native order; every platform tscope builds for is little-endian.
    isBigEndian = order == UInt8(ascii: ">") && size > 1
  }
}
