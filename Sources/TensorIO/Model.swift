/// A model: every tensor of a model file (or of a sharded set of files), opened read-only.
///
/// Opening reads and validates only headers; tensor data is touched when a tensor is decoded.
public final class Model: Sendable {
  /// The path as the user named it.
  public let path: String
  /// Every tensor, in the file's order (shards in index order).
  public let tensors: [TensorInfo]
  /// Free-form metadata (safetensors `__metadata__`, GGUF key/values rendered as text).
  public let metadata: [String: String]
  private let entries: [Tensor]
  private let indexByName: [String: Int]

  /// Builds a model from tensors whose byte ranges the reader has validated.
  public init(path: String, tensors: [Tensor], metadata: [String: String]) {
    self.path = path
    self.entries = tensors
    self.tensors = tensors.map(\.info)
    self.metadata = metadata
    var index: [String: Int] = [:]
    index.reserveCapacity(tensors.count)
    for (position, tensor) in tensors.enumerated() where index[tensor.info.name] == nil {
      index[tensor.info.name] = position
    }
    self.indexByName = index
  }

  /// The tensor at `position` in `tensors`.
  public func tensor(at position: Int) -> Tensor { entries[position] }

  /// The tensor called `name`, or nil.
  public func tensor(named name: String) -> Tensor? {
    indexByName[name].map { entries[$0] }
  }
}
