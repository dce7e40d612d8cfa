import Foundation
import Testing

@testable import TensorIO

/// The files in Tests/Fixtures/ggml, quantized by ggml's own quantizer with ggml's own
/// dequantization stored beside each tensor (see that folder's README): every tensor of every
/// block type decodes to ggml's values bit for bit.
@Suite struct GGMLFixtureTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../Fixtures/ggml").standardized

  static let typeNames = [
    "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ2_XXS", "IQ2_XS", "IQ2_S",
    "IQ3_XXS", "IQ3_S", "IQ1_S", "IQ1_M", "IQ4_NL", "IQ4_XS", "TQ1_0", "TQ2_0", "MXFP4", "NVFP4", "Q1_0", "Q2_0",
  ]

  @Test(arguments: typeNames)
  func everyTensorDecodesToGGMLsOwnValues(typeName: String) throws {
    let path = Self.folder.appendingPathComponent(
      "\(typeName.lowercased().replacingOccurrences(of: "_k", with: "_K")).gguf")
    let model = try Model.open(path.path)
    #expect(model.metadata["tscope.fixture.ggml_type"]?.uppercased() == typeName)
    let original = try Model.open(Self.folder.appendingPathComponent("original.gguf").path)
    var quantized = 0
    for info in model.tensors where !info.name.hasSuffix(".ggml_dequantized") {
      let tensor = try #require(model.tensor(named: info.name))
      guard let reference = model.tensor(named: info.name + ".ggml_dequantized") else {
        #expect(info.dtype == .f32, "\(info.name) is neither F32 nor paired with ggml's values")
        continue
      }
      #expect(info.dtype.description == typeName)
      #expect(info.shape == original.tensor(named: info.name)?.info.shape)
      let ours = tensor.decodedValues()
      let ggml = reference.decodedValues()
      #expect(ours.count == ggml.count)
      #expect(zip(ours, ggml).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(typeName) \(info.name)")
      // Mean and standard deviation, in Float64, to 1e-9 relative (they are equal when the values are).
      let (ourMean, ourStd) = Self.moments(ours)
      let (ggmlMean, ggmlStd) = Self.moments(ggml)
      #expect(abs(ourMean - ggmlMean) <= 1e-9 * max(abs(ggmlMean), 1e-30))
      #expect(abs(ourStd - ggmlStd) <= 1e-9 * ggmlStd)
      quantized += 1
    }
    #expect(quantized == 3)
  }

  static func moments(_ values: [Float]) -> (Double, Double) {
    let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
    return (mean, variance.squareRoot())
  }
}
