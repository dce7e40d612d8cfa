import Foundation
import Testing

@testable import TensorIO

/// The GGUF ↔ Hugging Face names of LLaMA-family tensors, as llama.cpp's conversion gives them
/// (gguf-py `tensor_mapping.py`), and the legacy imatrix reader on bytes laid out by hand.
@Suite struct TensorNamesTests {
  @Test func layerAndModelNamesMapBothWays() {
    let pairs = [
      ("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"),
      ("blk.11.attn_k.bias", "model.layers.11.self_attn.k_proj.bias"),
      ("blk.3.attn_output.weight", "model.layers.3.self_attn.o_proj.weight"),
      ("blk.3.ffn_down.weight", "model.layers.3.mlp.down_proj.weight"),
      ("blk.3.ffn_norm.weight", "model.layers.3.post_attention_layernorm.weight"),
      ("token_embd.weight", "model.embed_tokens.weight"),
      ("output.weight", "lm_head.weight"),
      ("output_norm.weight", "model.norm.weight"),
    ]
    for (gguf, hf) in pairs {
      #expect(TensorNames.hfName(forGGUF: gguf) == hf)
      #expect(TensorNames.ggufName(forHF: hf) == gguf)
    }
    #expect(TensorNames.hfName(forGGUF: "blk.x.attn_q.weight") == nil)
    #expect(TensorNames.ggufName(forHF: "encoder.layer.0.attention.self.query.weight") == nil)
  }

  @Test func perExpertNamesAreSlicesOfTheMergedTensor() throws {
    let mixtral = try #require(TensorNames.ggufExpert(forHF: "model.layers.3.block_sparse_moe.experts.5.w2.weight"))
    #expect(mixtral.name == "blk.3.ffn_down_exps.weight" && mixtral.expert == 5)
    let qwen = try #require(TensorNames.ggufExpert(forHF: "model.layers.0.mlp.experts.17.up_proj.weight"))
    #expect(qwen.name == "blk.0.ffn_up_exps.weight" && qwen.expert == 17)
    #expect(TensorNames.ggufExpert(forHF: "model.layers.0.mlp.experts.x.up_proj.weight") == nil)
  }

  @Test func legacyImatrixDividesByTheCallCount() throws {
    var bytes: [UInt8] = []
    func int32(_ value: Int32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    int32(1)
    let name = Array("blk.0.attn_q.weight".utf8)
    int32(Int32(name.count))
    bytes += name
    int32(4)  // ncall
    int32(2)  // nval
    for value: Float in [8, 2] { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
    int32(4)
    int32(0)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("legacy-\(UUID()).dat")
    try Data(bytes).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let matrix = try ImportanceMatrix.read(url.path)
    #expect(matrix.entries["blk.0.attn_q.weight"] == ImportanceMatrix.Entry(meanSquares: [2, 0.5], columns: nil))
    let hf = TensorInfo(name: "model.layers.0.self_attn.q_proj.weight", dtype: .f32, shape: [3, 2], file: "m")
    #expect(try matrix.weights(for: hf) == ImportanceWeights(values: [2, 0.5], rowLength: 2, rowsPerExpert: 3))
    let other = TensorInfo(name: "model.layers.0.self_attn.q_proj.weight", dtype: .f32, shape: [2, 3], file: "m")
    #expect(throws: TensorFileError.self) { try matrix.weights(for: other) }
  }
}
