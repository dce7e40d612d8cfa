/// The format a checkpoint shipped a weight in, shown where a tensor's dtype is shown (as a GGUF
/// tensor shows its GGML type): `CT-NVFP4`, `GPTOSS-MXFP4`, `FP8-B128x128`, `GPTQ-INT4-G128`, …
public struct ShippedFormat: Hashable, Sendable, CustomStringConvertible {
  /// The short name `layers`, `fit`, `quant`, `report` and the explorer print as the dtype.
  public let name: String
  /// Why the weight is listed but not decoded (its convention is known, its variant is not);
  /// nil when tscope decodes it.
  public let unreadableReason: String?

  public init(name: String, unreadableReason: String? = nil) {
    self.name = name
    self.unreadableReason = unreadableReason
  }

  public var description: String { name }
}

extension Tensor {
  /// Bytes the tensor takes in its files: for a shipped weight, every part's (packed values,
  /// scales, zero points, …); otherwise its own.
  public var storedByteCount: Int { shippedParts?.byteCount ?? bytes.count }
}
