/// How each row is split into scaling groups (SPEC §4); `g` cycles through them in this order.
public enum GroupSetting: Hashable, Sendable, CustomStringConvertible {
  case tensor
  case channel
  case size(Int)

  /// The `g` cycle of SPEC §6.
  public static let cycle: [GroupSetting] = [.tensor, .channel, .size(32), .size(64), .size(128), .size(256)]

  public var next: GroupSetting {
    let position = Self.cycle.firstIndex(of: self) ?? 0
    return Self.cycle[(position + 1) % Self.cycle.count]
  }

  public var description: String {
    switch self {
    case .tensor: "tensor"
    case .channel: "channel"
    case .size(let size): "\(size)"
    }
  }

  /// Elements per group for a tensor of `count` elements with rows of `rowLength`.
  public func elements(count: Int, rowLength: Int) -> Int {
    switch self {
    case .tensor: max(count, 1)
    case .channel: max(rowLength, 1)
    case .size(let size): max(1, min(size, max(rowLength, 1)))
    }
  }
}

/// Group scale rule: absmax, or the per-tensor clip search of SPEC §4 (`m` toggles).
public enum ScaleMode: String, Hashable, Sendable, CaseIterable {
  case absmax, mse
  public var toggled: ScaleMode { self == .absmax ? .mse : .absmax }
}

/// The supernormal variant of a sign-magnitude format (SPEC §3); `s` cycles none → SR → SP.
public enum Supernormal: String, Hashable, Sendable, CaseIterable {
  case none, superRange, superPrecision
  public var next: Supernormal {
    switch self {
    case .none: .superRange
    case .superRange: .superPrecision
    case .superPrecision: .none
    }
  }
  /// The status line's short name.
  public var shortName: String {
    switch self {
    case .none: "off"
    case .superRange: "SR"
    case .superPrecision: "SP"
    }
  }
}

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
