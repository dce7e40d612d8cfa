/// Orders tensor names the way a person scans a model: numeric name parts compare as numbers
/// (`layers.2` before `layers.10`), and each numbered block (`model.layers.3`) becomes a group.
enum LayerGrouping {
  /// The group a tensor belongs to: its name up to and including the first all-digit part
  /// (`model.layers.3.mlp.up_proj.weight` → `model.layers.3`), or nil for a top-level tensor.
  static func group(of name: String) -> String? {
    let parts = name.split(separator: ".", omittingEmptySubsequences: false)
    guard let index = parts.firstIndex(where: { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigitCharacter) }),
      index < parts.count - 1
    else { return nil }
    return parts[...index].joined(separator: ".")
  }

  /// Natural order: names split at dots, numeric parts compared numerically.
  static func naturallyOrdered(_ a: String, _ b: String) -> Bool {
    let left = a.split(separator: ".", omittingEmptySubsequences: false)
    let right = b.split(separator: ".", omittingEmptySubsequences: false)
    for (x, y) in zip(left, right) where x != y {
      if let m = Int(x), let n = Int(y), m != n { return m < n }
      return x < y
    }
    return left.count < right.count
  }
}

extension Character {
  fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
