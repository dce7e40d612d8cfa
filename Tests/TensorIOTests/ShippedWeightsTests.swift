import Foundation
import Testing

@testable import TensorIO

/// Checkpoints that ship quantized, built byte by byte; the numpy cross-checks of every convention
/// are in Tests/python/test_quantized_checkpoints.py.
@Suite struct ShippedWeightsTests {
  let fixture: SafetensorsFixture
  init() throws { fixture = try SafetensorsFixture() }

  /// E2M1 by its definition (OCP MX v1.0 §5.3.3): bias 1, one mantissa bit, exponent 0 subnormal.
  static func e2m1(_ code: UInt8) -> Float {
    let sign: Float = code & 8 == 0 ? 1 : -1
    let exponent = Int((code >> 1) & 3)
    let mantissa = Float(code & 1)
    return sign
      * (exponent == 0 ? mantissa / 2 : (1 + mantissa / 2) * Float(sign: .plus, exponent: exponent - 1, significand: 1))
  }

  @Test func f4AndE8M0DecodeToTheirDefinitions() throws {
    let header = """
      {"f4":{"dtype":"F4","shape":[2,16],"data_offsets":[0,16]},"e":{"dtype":"F8_E8M0","shape":[256],"data_offsets":[16,272]}}
      """
    let codes = (0..<16).map { UInt8($0) } + (0..<16).map { UInt8(15 - $0) }
    let packed = stride(from: 0, to: 32, by: 2).map { codes[$0] | codes[$0 + 1] << 4 }
    let path = try fixture.write("sub.safetensors", header: header, data: packed + (0...255).map { UInt8($0) })
    let model = try Model.open(path)
    #expect(model.tensor(named: "f4")!.decodedValues().map(\.bitPattern) == codes.map { Self.e2m1($0).bitPattern })
    let powers = model.tensor(named: "e")!.decodedValues()
    for byte in 0..<255 { #expect(powers[byte] == Float(sign: .plus, exponent: byte - 127, significand: 1)) }
    #expect(powers[255].isNaN)
  }

  @Test func gptOSSBlocksAndScalesReadAsOneWeight() throws {
    // One row of one block: codes 0…15 twice, exponent 2^-3.
    let codes = (0..<32).map { UInt8($0 % 16) }
    let packed = stride(from: 0, to: 32, by: 2).map { codes[$0] | codes[$0 + 1] << 4 }
    let header = """
      {"w_blocks":{"dtype":"U8","shape":[1,1,16],"data_offsets":[0,16]},"w_scales":{"dtype":"U8","shape":[1,1],"data_offsets":[16,17]}}
      """
    let path = try fixture.write("gptoss.safetensors", header: header, data: packed + [124])
    let model = try Model.open(path)
    #expect(model.tensors.map(\.name) == ["w"])
    #expect(model.tensors[0].shape == [1, 32])
    #expect(model.tensors[0].dtype.description == "GPTOSS-MXFP4")
    #expect(model.tensor(named: "w")!.storedByteCount == 17)
    #expect(model.tensor(named: "w")!.decodedValues() == codes.map { Self.e2m1($0) / 8 })
  }

  @Test func aScaleOfTheWrongShapeNamesTheFileAndTheTensor() throws {
    let header = """
      {"w_blocks":{"dtype":"U8","shape":[2,1,16],"data_offsets":[0,32]},"w_scales":{"dtype":"U8","shape":[1,2],"data_offsets":[32,34]}}
      """
    let path = try fixture.write("bad.safetensors", header: header, data: Array(repeating: 0, count: 34))
    let error = try #require(SafetensorsFixture.openingError(path))
    #expect(error.file == "bad.safetensors")
    #expect(error.problem.contains("\"w_scales\""))
  }

  @Test func anInt8WeightIsItsIntegerTimesItsRowScale() throws {
    // compressed-tensors `int-quantized` (W8A8): I8 elements, one BF16 scale a row, out in BF16.
    let elements: [Int8] = [-128, -1, 0, 127, 3, -7]
    let scales: [UInt16] = [0x3C00, 0x3BAB]  // BF16 2^-7 and ≈ 0.00522
    let header = """
      {"m.weight":{"dtype":"I8","shape":[2,3],"data_offsets":[0,6]},\
      "m.weight_scale":{"dtype":"BF16","shape":[2,1],"data_offsets":[6,10]}}
      """
    let data = elements.map { UInt8(bitPattern: $0) } + scales.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let path = try fixture.write("model.safetensors", header: header, data: data)
    try fixture.writeRaw(
      "config.json",
      bytes: Array(#"{"quantization_config":{"quant_method":"compressed-tensors","format":"int-quantized"}}"#.utf8))
    let model = try Model.open(path)
    #expect(model.tensors.map(\.name) == ["m.weight"])
    #expect(model.tensors[0].dtype.description == "CT-INT8-CH")
    let scale = scales.map { Float(bitPattern: UInt32($0) << 16) }
    let expected = elements.enumerated().map { ShippedParts.bfloat16(Float($0.element) * scale[$0.offset / 3]) }
    #expect(model.tensor(named: "m.weight")!.decodedValues() == expected)
  }

  @Test func mxfp6PacksFourE2M3CodesInThreeBytes() throws {
    // compressed-tensors `mxfp6-pack-quantized`: one row of 32 codes (0…31, then their negatives
    // by sign bit 5, alternating), one U8 exponent 2^(126 − 127).
    let codes = (0..<32).map { $0 % 2 == 0 ? $0 : $0 | 0x20 }
    let packed = stride(from: 0, to: 32, by: 4).flatMap { start -> [UInt8] in
      let word = codes[start] | codes[start + 1] << 6 | codes[start + 2] << 12 | codes[start + 3] << 18
      return [UInt8(word & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word >> 16)]
    }
    let header = """
      {"m.weight_packed":{"dtype":"U8","shape":[1,24],"data_offsets":[0,24]},\
      "m.weight_scale":{"dtype":"U8","shape":[1,1],"data_offsets":[24,25]}}
      """
    let path = try fixture.write("model.safetensors", header: header, data: packed + [126])
    try fixture.writeRaw(
      "config.json",
      bytes: Array(
        #"{"quantization_config":{"quant_method":"compressed-tensors","format":"mxfp6-pack-quantized"}}"#.utf8))
    let model = try Model.open(path)
    #expect(model.tensors.map(\.name) == ["m.weight"])
    #expect(model.tensors[0].shape == [1, 32])
    #expect(model.tensors[0].dtype.description == "CT-MXFP6")
    // E2M3 by its definition (OCP MX v1.0 §5.3.2): bias 1, three mantissa bits, exponent 0 subnormal.
    let expected = codes.map { code -> Float in
      let exponent = (code >> 3) & 3
      let mantissa = Float(code & 7)
      let magnitude = exponent == 0 ? mantissa / 8 : (8 + mantissa) / 8 * Float(1 << (exponent - 1))
      return (code & 0x20 == 0 ? magnitude : -magnitude) / 2
    }
    #expect(model.tensor(named: "m.weight")!.decodedValues() == expected)
  }

  @Test func bfloat16RoundsToNearestEven() {
    // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even 1.
    #expect(ShippedParts.bfloat16(1 + 0x1p-8) == 1)
    #expect(ShippedParts.bfloat16(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)
    #expect(ShippedParts.bfloat16(1 + 3 * 0x1p-8) == 1 + 0x1p-6)
  }
}
