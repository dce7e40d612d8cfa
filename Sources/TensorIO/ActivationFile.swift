/// Activation samples for the output error (`--activations`): a `.npy`, `.npz` or `.safetensors`
/// file holding, per linear layer, one [tokens, in_features] array of the layer's inputs, named
/// by the layer (`model.layers.0.self_attn.q_proj`) or its weight (`….q_proj.weight`), under the
/// model's names or the other naming (GGUF ↔ Hugging Face, `TensorNames`). A `.npy` holds one
/// array, named by its file name.
public struct ActivationFile: Sendable {
  public let model: Model

  public static func open(_ path: String) throws(TensorFileError) -> ActivationFile {
    ActivationFile(model: try Model.open(path))
  }

  /// The samples for `weight`'s inputs, or nil when the file has none. Throws when the array's
  /// last dimension is not the weight's row length, or its dtype is not analysed.
  public func samples(for weight: TensorInfo) throws(TensorFileError) -> ActivationSample? {
    var names = [weight.name]
    if let other = TensorNames.ggufName(forHF: weight.name) ?? TensorNames.hfName(forGGUF: weight.name) {
      names.append(other)
    }
    names += names.map { TensorNames.splitSuffix($0).base }
    guard let tensor = names.lazy.compactMap({ model.tensor(named: $0) }).first else { return nil }
    let columns = weight.rowLength
    guard tensor.info.dtype.isAnalysable else {
      throw TensorFileError(
        file: model.path, problem: "activations \(MessageText.quoted(tensor.info.name)) have dtype \(tensor.info.dtype)"
      )
    }
    guard tensor.info.rowLength == columns, tensor.count > 0 else {
      throw TensorFileError(
        file: model.path,
        problem: "activations \(MessageText.quoted(tensor.info.name)) have shape \(tensor.info.shape); "
          + "\(MessageText.quoted(weight.name)) needs [tokens, \(columns)]")
    }
    return ActivationSample(values: tensor.decodedValues(), columns: columns)
  }
}

/// Activation samples for one layer: `tokens` rows of the layer's input, row-major.
public struct ActivationSample: Sendable {
  public let values: [Float]
  public let columns: Int
  public var tokens: Int { values.count / columns }

  public init(values: [Float], columns: Int) {
    precondition(columns > 0 && values.count % columns == 0)
    self.values = values
    self.columns = columns
  }
}
