/// Order of the layer tree's tensors (`o` cycles).
public enum SortKey: String, Hashable, Sendable, CaseIterable {
  case name, size, nu, error
  public var next: SortKey {
    let all = Self.allCases
    return all[(all.firstIndex(of: self)! + 1) % all.count]
  }
  public var label: String {
    switch self {
    case .name: "name"
    case .size: "size"
    case .nu: "ν"
    case .error: "error"
    }
  }
}

/// What the histogram pane plots (`e` toggles).
public enum HistogramMode: String, Hashable, Sendable {
  case values, error
}
