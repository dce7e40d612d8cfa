import Formats
import Foundation
import Kernels
import TensorIO
import Testing

@testable import Reporting

/// Layer types of the naming conventions the overview groups by: Hugging Face LLaMA/Mistral/Qwen,
/// Mixtral experts, BERT, GPT-2, and llama.cpp's GGUF names (gguf-py `tensor_mapping.py`).
@Test func layerTypesOfTheCommonNamingConventions() {
  let expected: [(String, LayerType)] = [
    ("model.layers.0.self_attn.q_proj.weight", .attentionQuery),
    ("model.layers.31.self_attn.k_proj.weight", .attentionKey),
    ("model.layers.3.self_attn.v_proj.bias", .attentionValue),
    ("model.layers.3.self_attn.o_proj.weight", .attentionOutput),
    ("model.layers.3.mlp.gate_proj.weight", .mlpGate),
    ("model.layers.3.mlp.up_proj.weight", .mlpUp),
    ("model.layers.3.mlp.down_proj.weight", .mlpDown),
    ("model.layers.3.block_sparse_moe.experts.7.w1.weight", .mlpGate),
    ("model.layers.3.block_sparse_moe.experts.7.w2.weight", .mlpDown),
    ("model.layers.3.block_sparse_moe.experts.7.w3.weight", .mlpUp),
    ("model.layers.3.block_sparse_moe.gate.weight", .other),
    ("model.layers.3.input_layernorm.weight", .norm),
    ("model.layers.3.self_attn.q_norm.weight", .norm),
    ("model.norm.weight", .norm),
    ("model.embed_tokens.weight", .embedding),
    ("lm_head.weight", .outputHead),
    ("encoder.layer.5.attention.self.query.weight", .attentionQuery),
    ("encoder.layer.5.attention.output.dense.weight", .attentionOutput),
    ("encoder.layer.5.attention.output.LayerNorm.bias", .norm),
    ("encoder.layer.5.intermediate.dense.weight", .mlpUp),
    ("encoder.layer.5.output.dense.weight", .mlpDown),
    ("embeddings.word_embeddings.weight", .embedding),
    ("pooler.dense.weight", .other),
    ("h.0.attn.c_attn.weight", .attentionQKV),
    ("h.0.attn.c_proj.weight", .attentionOutput),
    ("h.0.mlp.c_proj.weight", .mlpDown),
    ("blk.0.attn_q.weight", .attentionQuery),
    ("blk.12.attn_output.weight", .attentionOutput),
    ("blk.12.ffn_down_exps.weight", .mlpDown),
    ("blk.12.ffn_gate_inp.weight", .other),
    ("blk.12.attn_norm.weight", .norm),
    ("token_embd.weight", .embedding),
    ("output.weight", .outputHead),
    ("output_norm.weight", .norm),
    ("something_else", .other),
  ]
  for (name, type) in expected { #expect(LayerType(tensorName: name) == type, "\(name)") }
}

/// The storage rule: 16-bit scales per group, MXFP4 4.25, NVFP4 4.5 + 32/n.
@Test func bitsPerWeightCountsElementsAndScales() throws {
  let nf4 = try #require(try? FormatSpec.parse("nf4").resolved())
  let shape = [1536, 384]
  let count: Double = 1536 * 384
  func bits(_ format: QuantFormat, _ group: GroupSize, _ shape: [Int], scaleBits: Int = 16) -> Double {
    BitsPerWeight.of(format, group: group, shape: shape, scaleBits: scaleBits)
  }
  let channel: Double = 4 + 16 / 384
  let tensor: Double = 4 + 16 / count
  // A row of 100 at group 64 holds two groups (one partial).
  let partial: Double = 4 + 16 * 6 / 300
  let nvfp4: Double = 4.5 + 32 / count
  let asymmetric: Double = 4 + 20 / 128
  #expect(bits(nf4, .elements(128), shape) == 4.125)
  #expect(bits(nf4, .channel, shape) == channel)
  #expect(bits(nf4, .tensor, shape) == tensor)
  #expect(bits(nf4, .elements(128), shape, scaleBits: 8) == 4.0625)
  #expect(bits(nf4, .elements(64), [3, 100]) == partial)
  #expect(bits(.mxfp4, .tensor, shape) == 4.25)
  #expect(bits(.nvfp4, .tensor, shape) == nvfp4)
  #expect(bits(.int4Asymmetric, .elements(128), shape) == asymmetric)
}

/// The frontier against a brute-force check of dominance on random point sets.
@Test func frontierIsTheSetOfUndominatedPoints() {
  var generator = SystemRandomNumberGenerator()
  for _ in 0..<200 {
    let points = (0..<Int.random(in: 1...8, using: &generator)).map { _ in
      let cost = Double(Int.random(in: 0...5, using: &generator))
      let quality = Double(Int.random(in: 0...5, using: &generator))
      return (cost: cost, quality: quality)
    }
    let flags = ParetoFrontier.frontier(points)
    for (index, point) in points.enumerated() {
      var dominated = false
      for other in points
      where (other.cost < point.cost && other.quality >= point.quality)
        || (other.cost <= point.cost && other.quality > point.quality)
      {
        dominated = true
      }
      #expect(flags[index] == !dominated)
    }
    #expect(flags.contains(true))
  }
}

@Test func paretoPlacesOnlyFormatsWithACost() {
  let rows = [
    ReportRow(
      name: "a", format: "int4", group: "128", scaleMode: "absmax", count: 10, nu: nil, tScale: nil, normalStd: nil,
      bestFit: nil, mse: 1, sqnrDB: 15, maxAbsError: 1, relativeL2: 1, bitsPerWeight: 4.125),
    ReportRow(
      name: "a", format: "nf4", group: "128", scaleMode: "absmax", count: 10, nu: nil, tScale: nil, normalStd: nil,
      bestFit: nil, mse: 1, sqnrDB: 18, maxAbsError: 1, relativeL2: 1, bitsPerWeight: 4.125),
  ]
  let summary = FormatSummary.summarize(rows)
  let byArea = ParetoFrontier(summary: summary, costs: .paper, x: .area, y: .meanSQNR)
  #expect(byArea.points.map(\.format) == ["int4"] && byArea.withoutCost == ["nf4"])
  let byBits = ParetoFrontier(summary: summary, costs: .paper, x: .bpw, y: .weightedSQNR)
  // Same bits, more SQNR: only NF4 is on the frontier.
  #expect(byBits.points.map(\.onFrontier) == [false, true])
}

@Test func costsFilesAreCheckedKeyByKey() {
  func problem(_ text: String) -> String? {
    do {
      _ = try HardwareCostTable.parse(text, file: "c.toml")
      return nil
    } catch {
      return error.description
    }
  }
  #expect(problem("[int4]\narea = 1\npower = 2\nsource = \"s\"\n") == nil)
  #expect(problem("[int9]\narea = 1\npower = 2\nsource = \"s\"\n")?.contains("c.toml: [int9]") == true)
  #expect(problem("[int4]\narea = -1\npower = 2\nsource = \"s\"\n")?.contains("[int4].area") == true)
  #expect(problem("[int4]\narea = 1\nsource = \"s\"\n")?.contains("missing 'power'") == true)
  #expect(problem("[int4]\narea = 1\npower = 1\nsource = \"s\"\nvolts = 3\n")?.contains("[int4].volts") == true)
  // sf4@fit and sf4@2.7 share sf4's hardware.
  let table = HardwareCostTable(costs: ["sf4": HardwareCost(area: 3, power: 4, source: "s")])
  #expect(table.cost(for: "sf4@fit")?.area == 3 && table.cost(for: "nf4") == nil)
}
