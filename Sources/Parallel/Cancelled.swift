/// Work stopped because its cancellation check said so: the one cancellation error of the
/// kernel, the fits and the analyses built on them.
public struct Cancelled: Error, Sendable, Equatable {
  public init() {}
}
