import TensorIO

/// A model inside an action or effect (compared by identity, so effects stay `Hashable`): the
/// reopened model travels from the scheduler through `update` back to the scheduler, and the
/// state keeps only its tensor entries.
public struct ModelReference: Hashable, Sendable {
  public let model: Model
  /// With `--against`, the shipped model opened again too and paired with the new original.
  public let shipped: ShippedComparison?
  public init(_ model: Model, shipped: ShippedComparison? = nil) {
    self.model = model
    self.shipped = shipped
  }
  public static func == (lhs: Self, rhs: Self) -> Bool { lhs.model === rhs.model }
  public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(model)) }
}
