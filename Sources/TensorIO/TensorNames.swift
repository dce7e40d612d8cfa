/// The names llama.cpp's conversion gives the tensors of LLaMA-family models (LLaMA, Mistral,
/// Mixtral, Qwen2/3 and their MoE variants) in GGUF, and the Hugging Face names they come from,
/// so that what is keyed by one name (an imatrix, an activation file) applies to a model stored
/// under the other. The table follows gguf-py's `tensor_mapping.py` (llama.cpp, `gguf-py/gguf/`).
public enum TensorNames {
  /// Per-layer names: GGUF stem after `blk.N.`, Hugging Face stem after `model.layers.N.`.
  static let layerStems: [(gguf: String, hf: String)] = [
    ("attn_norm", "input_layernorm"),
    ("attn_q", "self_attn.q_proj"),
    ("attn_k", "self_attn.k_proj"),
    ("attn_v", "self_attn.v_proj"),
    ("attn_output", "self_attn.o_proj"),
    ("attn_q_norm", "self_attn.q_norm"),
    ("attn_k_norm", "self_attn.k_norm"),
    ("ffn_norm", "post_attention_layernorm"),
    ("ffn_gate", "mlp.gate_proj"),
    ("ffn_up", "mlp.up_proj"),
    ("ffn_down", "mlp.down_proj"),
    ("ffn_gate_inp", "block_sparse_moe.gate"),
    ("ffn_gate_inp", "mlp.gate"),
    ("ffn_gate_inp_shexp", "mlp.shared_expert_gate"),
    ("ffn_gate_shexp", "mlp.shared_expert.gate_proj"),
    ("ffn_up_shexp", "mlp.shared_expert.up_proj"),
    ("ffn_down_shexp", "mlp.shared_expert.down_proj"),
  ]

  /// Whole-model names.
  static let modelNames: [(gguf: String, hf: String)] = [
    ("token_embd", "model.embed_tokens"),
    ("output_norm", "model.norm"),
    ("output", "lm_head"),
  ]

  /// Expert stems: GGUF's merged 3-D tensor after `blk.N.`, and the per-expert Hugging Face
  /// stems after `model.layers.N.` and the expert's index (Mixtral's w1/w3/w2, Qwen-MoE's names).
  static let expertStems: [(gguf: String, hf: [(prefix: String, stem: String)])] = [
    ("ffn_gate_exps", [("block_sparse_moe.experts.", "w1"), ("mlp.experts.", "gate_proj")]),
    ("ffn_up_exps", [("block_sparse_moe.experts.", "w3"), ("mlp.experts.", "up_proj")]),
    ("ffn_down_exps", [("block_sparse_moe.experts.", "w2"), ("mlp.experts.", "down_proj")]),
  ]

  /// The Hugging Face name of a GGUF tensor (`blk.0.attn_q.weight` → `model.layers.0.self_attn.q_proj.weight`),
  /// or nil when the table has none (a merged expert tensor has one per expert: see `hfExpertName`).
  public static func hfName(forGGUF name: String) -> String? {
    let (base, suffix) = splitSuffix(name)
    if let entry = modelNames.first(where: { $0.gguf == base }) { return entry.hf + suffix }
    guard let (layer, stem) = split(base, prefix: "blk.") else { return nil }
    guard let entry = layerStems.first(where: { $0.gguf == stem }) else { return nil }
    return "model.layers.\(layer)." + entry.hf + suffix
  }

  /// The GGUF name of a Hugging Face tensor (`model.layers.0.mlp.down_proj.weight` → `blk.0.ffn_down.weight`),
  /// or nil when the table has none (a per-expert tensor is a slice of a GGUF one: see `ggufExpert`).
  public static func ggufName(forHF name: String) -> String? {
    let (base, suffix) = splitSuffix(name)
    if let entry = modelNames.first(where: { $0.hf == base }) { return entry.gguf + suffix }
    guard let (layer, stem) = split(base, prefix: "model.layers.") else { return nil }
    guard let entry = layerStems.first(where: { $0.hf == stem }) else { return nil }
    return "blk.\(layer)." + entry.gguf + suffix
  }

  /// The merged GGUF expert tensor a per-expert Hugging Face tensor is a slice of, and the
  /// expert's index: `model.layers.3.block_sparse_moe.experts.5.w2.weight` → (`blk.3.ffn_down_exps.weight`, 5).
  public static func ggufExpert(forHF name: String) -> (name: String, expert: Int)? {
    let (base, suffix) = splitSuffix(name)
    guard let (layer, rest) = split(base, prefix: "model.layers.") else { return nil }
    for entry in expertStems {
      for form in entry.hf where rest.hasPrefix(form.prefix) {
        let tail = rest.dropFirst(form.prefix.count)
        guard let dot = tail.firstIndex(of: "."), let expert = Int(tail[..<dot]), expert >= 0,
          tail[tail.index(after: dot)...] == form.stem
        else { continue }
        return ("blk.\(layer)." + entry.gguf + suffix, expert)
      }
    }
    return nil
  }

  /// `name` without its `.weight`/`.bias` ending, and that ending ("" when there is none).
  static func splitSuffix(_ name: String) -> (base: String, suffix: String) {
    for suffix in [".weight", ".bias"] where name.hasSuffix(suffix) {
      return (String(name.dropLast(suffix.count)), suffix)
    }
    return (name, "")
  }

  /// `prefix` + layer number + `.` + rest, as (layer, rest).
  private static func split(_ name: String, prefix: String) -> (layer: Int, rest: String)? {
    guard name.hasPrefix(prefix) else { return nil }
    let tail = name.dropFirst(prefix.count)
    guard let dot = tail.firstIndex(of: "."), let layer = Int(tail[..<dot]), layer >= 0 else { return nil }
    return (layer, String(tail[tail.index(after: dot)...]))
  }
}
