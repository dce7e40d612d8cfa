import Reporting

/// Short labels for tensor names in a flat (sorted) list, where every row is a full name and the
/// pane may be 20 columns wide: the block prefix becomes its number (`encoder.layer.5.` → `5.`,
/// `model.layers.12.` → `12.`, `blk.3.` → `3.`), long module words are abbreviated (attention →
/// attn, LayerNorm → LN, intermediate → inter, embeddings → emb, output → out), and what still does
/// not fit is cut after the block number, keeping the tensor's own name at the end.
enum TensorLabel {
  static let abbreviations: [(String, String)] = [
    ("self_attn", "attn"), ("attention", "attn"), ("LayerNorm", "LN"), ("layernorm", "ln"),
    ("intermediate", "inter"), ("embeddings", "emb"), ("output", "out"),
  ]

  /// The short form of `name` (before fitting).
  static func short(_ name: String) -> String {
    var parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    if let number = parts.firstIndex(where: { Int($0) != nil }), number > 0, number < parts.count - 1 {
      parts.removeFirst(number)
    }
    let abbreviated = parts.map { part in
      abbreviations.reduce(part) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }
    return abbreviated.joined(separator: ".")
  }

  /// `short(name)` in at most `width` columns: cut after its first component (the block number)
  /// so the end, the tensor's own name, stays.
  static func fitted(_ name: String, _ width: Int, ellipsis: String) -> String {
    let label = short(name)
    guard DisplayWidth.of(label) > width else { return label }
    let first = label.split(separator: ".").first.map(String.init) ?? ""
    let head = Int(first) != nil ? first + "." : ""
    let room = width - DisplayWidth.of(head) - DisplayWidth.of(ellipsis)
    guard room > 3 else { return DisplayWidth.fitMiddle(label, width, ellipsis: ellipsis) }
    return head + ellipsis + DisplayWidth.suffix(label, room)
  }
}
