import TensorIO

/// What the layer tree knows about one tensor before it is loaded.
public struct TensorEntry: Hashable, Sendable {
  /// Position in the model (`Model.tensor(at:)`).
  public let index: Int
  public let name: String
  public let dtype: String
  public let shape: [Int]
  public let count: Int
  /// Why the tensor cannot be analysed (`I64 is not analysed (integer data)`), nil when it can.
  public let unanalysableReason: String?

  public init(index: Int, name: String, dtype: String, shape: [Int], count: Int, unanalysableReason: String?) {
    self.index = index
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.count = count
    self.unanalysableReason = unanalysableReason
  }

  /// The entry for a model's tensor.
  public init(index: Int, info: TensorInfo) {
    let reason: String? =
      info.dtype.isAnalysable
      ? (info.count == 0 ? "empty tensor: nothing to analyse" : nil)
      : "\(info.dtype) tensors are listed but not analysed (not real-valued weights)"
    self.init(
      index: index, name: info.name, dtype: info.dtype.description, shape: info.shape, count: info.count,
      unanalysableReason: reason)
  }

  /// Row length (last dimension; 1-D is one row).
  public var rowLength: Int { shape.last ?? 1 }

  /// `1536×384`.
  public var shapeText: String { shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×") }
}
