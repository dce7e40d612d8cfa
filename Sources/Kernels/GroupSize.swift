/// How a tensor's rows (along its last dimension) are split into scaling groups (SPEC §4).
public enum GroupSize: Sendable, Hashable, CustomStringConvertible {
  /// One group for the whole tensor.
  case tensor
  /// One group per row.
  case channel
  /// Consecutive groups of n elements along each row; a row's shorter tail is its own group.
  case elements(Int)

  /// The default, 128 elements.
  public static let standard = GroupSize.elements(128)

  /// The explorer's `g` cycle (SPEC §6): tensor, channel, 32, 64, 128, 256.
  public static let cycle: [GroupSize] = [
    .tensor, .channel, .elements(32), .elements(64), .elements(128), .elements(256),
  ]

  /// The setting after this one in `cycle` (a size outside it goes back to `tensor`).
  public var next: GroupSize {
    let position = Self.cycle.firstIndex(of: self) ?? -1
    return Self.cycle[(position + 1) % Self.cycle.count]
  }

  /// `tensor`, `channel`, or a count (`0` means `channel`); nil when not one of these.
  public init?(parsing text: String) {
    switch text.lowercased() {
    case "tensor": self = .tensor
    case "channel", "0": self = .channel
    default:
      guard let count = Int(text), count > 0 else { return nil }
      self = .elements(count)
    }
  }

  /// As `--group` and the JSON `group` field write it.
  public var description: String {
    switch self {
    case .tensor: "tensor"
    case .channel: "channel"
    case .elements(let count): String(count)
    }
  }

  /// Elements per group within a row of `rowLength` (a row shorter than the group is one group).
  func elementsPerGroup(rowLength: Int) -> Int {
    switch self {
    case .tensor, .channel: max(rowLength, 1)
    case .elements(let count): min(count, max(rowLength, 1))
    }
  }
}

/// How a group's scale is chosen.
public enum ScaleMode: String, Sendable, Hashable, CaseIterable {
  /// scale = group amax / max(codebook).
  case absmax
  /// The clip ratio from 1.00, 0.995, … 0.805 (applied to every group's amax) with the least
  /// MSE over the tensor.
  case mse

  /// The other mode (the explorer's `m`).
  public var toggled: ScaleMode { self == .absmax ? .mse : .absmax }

  /// The ratios `mse` tries, largest first: 1.00 down to 0.805 in steps of 0.005 (40 ratios).
  public static let clipRatios: [Float] = (0..<40).map { Float(1.0 - 0.005 * Double($0)) }

  /// The decimal a clip ratio stands for (0.995 for Float(0.995), not 0.9950000047683716): the
  /// shortest decimal that rounds to the Float the kernel ran with, as reports and tables show it.
  public static func decimal(of ratio: Float) -> Double { Double(ratio.description) ?? Double(ratio) }
}
