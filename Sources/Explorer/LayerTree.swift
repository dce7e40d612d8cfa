/// The rows of the layer tree: tensors grouped by block (`encoder.layer.3`), or, when sorted by
/// size, ν or error, one flat list so the extremes of the whole model come first.
public enum LayerTree {
  public enum Row: Hashable, Sendable {
    case group(name: String, childCount: Int, isExpanded: Bool)
    /// A tensor: its index in `State.tensors`, the label to show, and its depth (0 or 1).
    case tensor(index: Int, label: String, depth: Int)
  }

  /// The group a tensor name belongs to: its prefix through the first numbered component
  /// (`encoder.layer.3`), else its first component; nil for a one-component name.
  public static func groupName(of name: String) -> String? {
    let parts = name.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count > 1 else { return nil }
    if let numbered = parts.indices.dropFirst().first(where: { Int(parts[$0]) != nil }),
      numbered < parts.count - 1
    {
      return parts[...numbered].joined(separator: ".")
    }
    return String(parts[0])
  }

  public static func rows(_ state: State) -> [Row] {
    let needle = state.filter.lowercased()
    let matching = state.tensors.filter { needle.isEmpty || $0.name.lowercased().contains(needle) }
    if state.sortKey != .name {
      return sorted(matching, by: state.sortKey, state: state).map {
        .tensor(index: $0.index, label: $0.name, depth: 0)
      }
    }
    var order: [String] = []
    var members: [String: [TensorEntry]] = [:]
    var rows: [Row] = []
    var singles: [String: TensorEntry] = [:]
    for entry in matching {
      let key = groupName(of: entry.name) ?? entry.name
      if members[key] == nil && singles[key] == nil { order.append(key) }
      if groupName(of: entry.name) == nil {
        singles[key] = entry
      } else {
        members[key, default: []].append(entry)
      }
    }
    for key in order {
      if let single = singles[key], members[key] == nil {
        rows.append(.tensor(index: single.index, label: single.name, depth: 0))
        continue
      }
      let children = members[key] ?? []
      // A group of one is shown as its tensor: a fold with one child only costs a keypress.
      if children.count == 1, let only = children.first {
        rows.append(.tensor(index: only.index, label: only.name, depth: 0))
        continue
      }
      let expanded = !needle.isEmpty || state.expandedGroups.contains(key)
      rows.append(.group(name: key, childCount: children.count, isExpanded: expanded))
      if expanded {
        for child in children {
          rows.append(.tensor(index: child.index, label: String(child.name.dropFirst(key.count + 1)), depth: 1))
        }
      }
    }
    return rows
  }

  static func sorted(_ entries: [TensorEntry], by key: SortKey, state: State) -> [TensorEntry] {
    switch key {
    case .name:
      return entries.sorted { $0.name < $1.name }
    case .size:
      return entries.sorted { ($0.count, $1.name) > ($1.count, $0.name) }
    case .nu:
      // Heaviest tails (smallest ν) first; tensors not yet fitted last.
      return entries.sorted {
        let left = state.sortingNu($0.name) ?? .infinity
        let right = state.sortingNu($1.name) ?? .infinity
        return left != right ? left < right : $0.index < $1.index
      }
    case .error:
      // Worst SQNR (of the focused format, current group and scaling) first.
      return entries.sorted {
        let left = state.sortingSQNR($0.name) ?? .infinity
        let right = state.sortingSQNR($1.name) ?? .infinity
        return left != right ? left < right : $0.index < $1.index
      }
    }
  }
}
