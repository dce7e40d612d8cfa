/// The role of a tensor in a transformer, read from its name: the groups the model overview and
/// `report`'s `by_layer_type` put tensors in.
///
/// Recognises Hugging Face names (LLaMA, Mistral, Qwen, Mixtral and Qwen MoE experts, BERT, GPT-2,
/// Phi) and llama.cpp's GGUF names (`blk.N.attn_q`, `ffn_down_exps`, `token_embd`, …). A name that
/// matches none of them is `other`, so every model gets an overview.
public enum LayerType: String, CaseIterable, Sendable, Hashable, Comparable {
  case attentionQuery = "attn_q"
  case attentionKey = "attn_k"
  case attentionValue = "attn_v"
  /// A fused query/key/value projection (GPT-2's `c_attn`, GGUF `attn_qkv`, Phi-3's `qkv_proj`).
  case attentionQKV = "attn_qkv"
  case attentionOutput = "attn_o"
  case mlpGate = "mlp_gate"
  case mlpUp = "mlp_up"
  /// A fused gate/up projection (Phi-3's `gate_up_proj`).
  case mlpGateUp = "mlp_gate_up"
  case mlpDown = "mlp_down"
  case embedding
  case outputHead = "output"
  case norm
  case other

  /// The label tables show (the raw value is what JSON and CSV carry).
  public var label: String {
    switch self {
    case .attentionQuery: "attn q"
    case .attentionKey: "attn k"
    case .attentionValue: "attn v"
    case .attentionQKV: "attn qkv"
    case .attentionOutput: "attn o"
    case .mlpGate: "mlp gate"
    case .mlpUp: "mlp up"
    case .mlpGateUp: "mlp gate+up"
    case .mlpDown: "mlp down"
    case .embedding: "embedding"
    case .outputHead: "output head"
    case .norm: "norm"
    case .other: "other"
    }
  }

  /// Declaration order: attention, MLP, embeddings, head, norms, other.
  public static func < (lhs: LayerType, rhs: LayerType) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }

  /// The layer type of a tensor named `name`.
  public init(tensorName name: String) {
    let parts = name.lowercased().split(separator: ".").map(String.init)
    // The module is what precedes the parameter's own name (`weight`, `bias`, `scales`, …).
    let parameterNames: Set<String> = ["weight", "bias", "gamma", "beta", "scale", "scales", "qweight", "g_idx"]
    var modules = parts
    if let last = modules.last, parameterNames.contains(last) { modules.removeLast() }
    self = Self.classify(modules: modules)
  }

  private static func classify(modules: [String]) -> LayerType {
    guard let last = modules.last else { return .other }
    let parent = modules.dropLast().last ?? ""
    // Norms first: `q_norm`, `attn_norm`, `LayerNorm` name the norm, not what it normalises.
    if last.contains("norm") || last.hasPrefix("ln_") || last == "ln_f" || last == "ln" { return .norm }
    if let type = ggufTypes[last] ?? ggufTypes[last.replacingOccurrences(of: "_exps", with: "")] { return type }
    if let type = huggingFaceTypes[last] { return type }
    // Mixtral experts: w1 gate, w3 up, w2 down.
    if parent.allSatisfy(\.isNumber), modules.dropLast(2).last == "experts" {
      switch last {
      case "w1": return .mlpGate
      case "w3": return .mlpUp
      case "w2": return .mlpDown
      default: break
      }
    }
    // BERT: `attention.self.query`, `attention.output.dense`, `intermediate.dense`, `output.dense`.
    if last == "dense" {
      switch parent {
      case "output" where modules.dropLast(2).last == "attention": return .attentionOutput
      case "output": return .mlpDown
      case "intermediate": return .mlpUp
      case "self_attn", "attention", "attn": return .attentionOutput
      default: return .other
      }
    }
    // GPT-2: `attn.c_proj` is attention's output, `mlp.c_proj` the MLP's down projection.
    if last == "c_proj" { return parent == "mlp" ? .mlpDown : .attentionOutput }
    if last.contains("embed") || last.hasSuffix("_embeddings") { return .embedding }
    return .other
  }

  /// llama.cpp's tensor names (gguf-py `tensor_mapping.py`, `MODEL_TENSOR` names).
  private static let ggufTypes: [String: LayerType] = [
    "attn_q": .attentionQuery, "attn_k": .attentionKey, "attn_v": .attentionValue, "attn_qkv": .attentionQKV,
    "attn_output": .attentionOutput, "ffn_gate": .mlpGate, "ffn_up": .mlpUp, "ffn_down": .mlpDown,
    "token_embd": .embedding, "position_embd": .embedding, "token_types": .embedding, "output": .outputHead,
  ]

  /// Hugging Face module names of the LLaMA family, BERT, GPT-2 and Phi.
  private static let huggingFaceTypes: [String: LayerType] = [
    "q_proj": .attentionQuery, "k_proj": .attentionKey, "v_proj": .attentionValue, "o_proj": .attentionOutput,
    "query": .attentionQuery, "key": .attentionKey, "value": .attentionValue,
    "qkv_proj": .attentionQKV, "c_attn": .attentionQKV, "query_key_value": .attentionQKV, "wqkv": .attentionQKV,
    "out_proj": .attentionOutput, "gate_proj": .mlpGate, "up_proj": .mlpUp, "down_proj": .mlpDown,
    "gate_up_proj": .mlpGateUp, "fc1": .mlpUp, "fc2": .mlpDown, "c_fc": .mlpUp,
    "dense_h_to_4h": .mlpUp, "dense_4h_to_h": .mlpDown,
    "embed_tokens": .embedding, "wte": .embedding, "wpe": .embedding, "word_embeddings": .embedding,
    "position_embeddings": .embedding, "token_type_embeddings": .embedding, "embed_in": .embedding,
    "lm_head": .outputHead, "embed_out": .outputHead,
  ]
}
