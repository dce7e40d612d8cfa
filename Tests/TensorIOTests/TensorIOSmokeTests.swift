import Testing

@testable import TensorIO

@Test func dtypeNamesRoundTripThroughSafetensorsNames() {
  for name in [
    "F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "I8", "I16", "I32", "I64", "U8", "BOOL",
  ] {
    #expect(DType(safetensorsName: name)?.description == name)
  }
  #expect(DType(safetensorsName: "F6_E2M3") == nil)
}
