/// A dtype name as safetensors' format spec knows it, with its storage width in bits.
///
/// tscope decodes the fourteen dtypes `DType` names; the others safetensors defines
/// (unsigned integers, complex, sub-byte and exotic 8-bit floats) are listed but not analysed,
/// as `DType.other`, and are still validated against their byte range.
struct SafetensorsDType {
  let dtype: DType
  let bits: Int

  /// Every dtype of safetensors 0.8 (its `Dtype` enum), by header name.
  init?(name: String) {
    if let known = DType(safetensorsName: name), let bytes = known.blockBytes {
      self.dtype = known
      self.bits = bytes * 8 / known.blockElements
      return
    }
    let width: Int
    switch name {
    case "U16": width = 16
    case "U32": width = 32
    case "U64", "C64": width = 64
    case "F8_E4M3FNUZ", "F8_E5M2FNUZ": width = 8
    case "F6_E2M3", "F6_E3M2": width = 6
    default: return nil
    }
    self.dtype = .other(name)
    self.bits = width
  }

  /// The dtypes safetensors defines, in words for an error message.
  static let knownNames =
    "BOOL, U8, I8, F8_E4M3, F8_E5M2, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, F4, F6_E2M3, F6_E3M2, "
    + "I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64"
}
