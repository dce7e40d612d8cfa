/// What a model file says about one tensor, before any of its data is read.
public struct TensorInfo: Hashable, Sendable {
  /// The tensor's name as the file stores it.
  public let name: String
  public let dtype: DType
  /// Dimensions, outermost first (row-major; the last dimension is the row).
  public let shape: [Int]
  /// The file holding the tensor's data, relative to the model (a shard's file name).
  public let file: String
  /// The shape as the file's own tools print it: `shape` for safetensors and NumPy, and for
  /// GGUF llama.cpp's order, fastest dimension first (`[ne0, ne1]` = `shape` reversed).
  public let displayShape: [Int]

  /// `displayShape` defaults to `shape`; GGUF passes its ne order.
  public init(name: String, dtype: DType, shape: [Int], file: String, displayShape: [Int]? = nil) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.file = file
    self.displayShape = displayShape ?? shape
  }

  /// Number of elements (1 for a scalar). Shapes are validated against overflow on load.
  /// A zero dimension makes the count 0 before anything is multiplied, so a shape like
  /// `[2^40, 2^40, 0]` (empty, and accepted) cannot overflow here.
  public var count: Int { shape.contains(0) ? 0 : shape.reduce(1, *) }

  /// Length of a row: the last dimension (a 1-D tensor is one row; a scalar is one element).
  public var rowLength: Int { shape.last ?? 1 }

  /// Bytes of stored data (GGML blocks included); 0 for a dtype of unknown size.
  public var byteCount: Int {
    guard let blockBytes = dtype.blockBytes else { return 0 }
    return (count / max(dtype.blockElements, 1)) * blockBytes
  }
}
