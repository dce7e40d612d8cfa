import Foundation

/// Reads safetensors files (single and sharded). See huggingface/safetensors' format spec.
///
/// Order: tensors are listed in data-offset order within a file (what safetensors'
/// `offset_keys()` reports, and the order `save_file` writes them), shards in file-name order.
enum SafetensorsReader {
  /// Opens one `.safetensors` file.
  static func openFile(_ path: String) throws(TensorFileError) -> Model {
    let shard = try readShard(path: path, fileLabel: fileName(of: path))
    let tensors = try ShippedWeights.assemble(shard.tensors, folder: directory(of: path))
    return Model(path: path, tensors: tensors, metadata: shard.metadata)
  }

  /// Opens a sharded model through its `*.index.json` (`{"metadata": {...}, "weight_map": {name: shard}}`).
  static func openIndex(_ path: String) throws(TensorFileError) -> Model {
    let storage = try ByteStorage.mapping(path: path, displayName: path)
    let (shardOfTensor, indexMetadata) = try parseIndex(storage.bytes, path: path)
    var metadata = indexMetadata

    let folder = directory(of: path)
    let shardNames = Set(shardOfTensor.values).sorted()
    var tensors: [Tensor] = []
    for shardName in shardNames {
      let shardPath = folder.map { $0 + "/" + shardName } ?? shardName
      guard FileManager.default.fileExists(atPath: shardPath) else {
        throw TensorFileError(file: shardPath, problem: "missing (named as a shard by \(fileName(of: path)))")
      }
      let shard = try readShard(path: shardPath, fileLabel: shardName)
      let present = Set(shard.tensors.map(\.info.name))
      for (tensor, named) in shardOfTensor where named == shardName && !present.contains(tensor) {
        throw TensorFileError(
          file: shardPath, problem: "has no tensor \"\(tensor)\", which \(fileName(of: path)) places there")
      }
      tensors += shard.tensors
      metadata.merge(shard.metadata) { existing, _ in existing }
    }
    try checkUniqueNames(tensors, model: path)
    return Model(path: path, tensors: try ShippedWeights.assemble(tensors, folder: folder), metadata: metadata)
  }

  /// The shard of each tensor and the metadata of an index's bytes; errors name `path`.
  static func parseIndex(
    _ bytes: UnsafeRawBufferPointer, path: String
  ) throws(TensorFileError) -> (shardOfTensor: [String: String], metadata: [String: String]) {
    func fail(_ problem: String) -> TensorFileError { TensorFileError(file: path, problem: problem) }
    guard JSONParser.isValidUTF8(bytes) else { throw fail("index is not valid UTF-8") }
    let json: JSONValue
    do {
      json = try JSONParser.parse(bytes)
    } catch {
      throw fail("index is not valid JSON: \(error.message) at byte \(error.offset)")
    }
    guard case .object(let members) = json else { throw fail("index is not a JSON object") }
    guard let weightMapValue = members.first(where: { $0.key == "weight_map" })?.value else {
      throw fail("index has no \"weight_map\"")
    }
    guard case .object(let weightMap) = weightMapValue else {
      throw fail("\"weight_map\" is \(weightMapValue.kind), not an object")
    }
    var shardOfTensor: [String: String] = [:]
    for (tensor, value) in weightMap {
      guard case .string(let shard) = value else {
        throw fail("\"weight_map\" entry \"\(tensor)\" is \(value.kind), not a shard file name")
      }
      guard isPlainRelativePath(shard) else {
        throw fail("\"weight_map\" entry \"\(tensor)\" names \"\(shard)\", which is not a path inside the model folder")
      }
      shardOfTensor[tensor] = shard
    }
    guard !shardOfTensor.isEmpty else { throw fail("\"weight_map\" names no tensors") }

    var metadata: [String: String] = [:]
    if case .object(let pairs)? = members.first(where: { $0.key == "metadata" })?.value {
      for (key, value) in pairs { metadata[key] = text(of: value) }
    }
    return (shardOfTensor, metadata)
  }

  /// Opens a folder: its `*.index.json` when it has one (`*.safetensors.index.json` first; a
  /// PyTorch `*.bin.index.json` is ignored), else every `*.safetensors` in name order.
  static func openShardedFolder(_ path: String) throws(TensorFileError) -> Model {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    } catch {
      throw TensorFileError(file: path, problem: "cannot list the folder")
    }
    let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
    // Hugging Face folders may also hold `pytorch_model.bin.index.json`, which names .bin files.
    let safetensorsIndexes = names.filter { $0.hasSuffix(".safetensors.index.json") }
    let indexes =
      safetensorsIndexes.isEmpty
      ? names.filter { $0.hasSuffix(".index.json") && !$0.hasSuffix(".bin.index.json") } : safetensorsIndexes
    if indexes.count == 1 { return try openIndex(folder + "/" + indexes[0]) }
    if indexes.count > 1 {
      if indexes.contains("model.safetensors.index.json") {
        return try openIndex(folder + "/model.safetensors.index.json")
      }
      throw TensorFileError(
        file: path, problem: "holds several index files (\(indexes.joined(separator: ", "))); name one of them")
    }
    let shardNames = names.filter { $0.hasSuffix(".safetensors") }
    guard !shardNames.isEmpty else {
      throw TensorFileError(file: path, problem: "holds no .safetensors files and no *.index.json")
    }
    var tensors: [Tensor] = []
    var metadata: [String: String] = [:]
    for shardName in shardNames {
      let shard = try readShard(path: folder + "/" + shardName, fileLabel: shardName)
      tensors += shard.tensors
      metadata.merge(shard.metadata) { existing, _ in existing }
    }
    try checkUniqueNames(tensors, model: path)
    return Model(path: path, tensors: try ShippedWeights.assemble(tensors, folder: folder), metadata: metadata)
  }

  /// Maps one file and validates its header; `fileLabel` is what `TensorInfo.file` records.
  private static func readShard(
    path: String, fileLabel: String
  ) throws(TensorFileError) -> (tensors: [Tensor], metadata: [String: String]) {
    try parseShard(ByteStorage.mapping(path: path, displayName: path), path: path, fileLabel: fileLabel)
  }

  /// The tensors and metadata of the safetensors image in `storage`; errors name `path`.
  static func parseShard(
    _ storage: ByteStorage, path: String, fileLabel: String
  ) throws(TensorFileError) -> (tensors: [Tensor], metadata: [String: String]) {
    let header = try SafetensorsHeader(file: storage.bytes, displayName: path)
    let tensors = header.entries.map { entry in
      // In bounds: the header check proved dataStart + dataRange.upperBound <= file size.
      let range = (header.dataStart + entry.dataRange.lowerBound)..<(header.dataStart + entry.dataRange.upperBound)
      return Tensor(
        info: TensorInfo(name: entry.name, dtype: entry.dtype, shape: entry.shape, file: fileLabel),
        storage: storage,
        bytes: UnsafeRawBufferPointer(rebasing: storage.bytes[range]))
    }
    return (tensors, header.metadata)
  }

  private static func checkUniqueNames(_ tensors: [Tensor], model: String) throws(TensorFileError) {
    var fileOfName: [String: String] = [:]
    for tensor in tensors {
      if let other = fileOfName.updateValue(tensor.info.file, forKey: tensor.info.name) {
        throw TensorFileError(
          file: model, problem: "tensor \"\(tensor.info.name)\" is in both \(other) and \(tensor.info.file)")
      }
    }
  }

  /// A relative path with no `..` component: an index may only name files inside its folder.
  private static func isPlainRelativePath(_ path: String) -> Bool {
    !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
  }

  private static func fileName(of path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }

  private static func directory(of path: String) -> String? {
    guard let slash = path.lastIndex(of: "/") else { return nil }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// Index metadata values rendered as text (`total_size` is a number).
  private static func text(of value: JSONValue) -> String {
    switch value {
    case .string(let text), .number(let text): text
    case .bool(let flag): flag ? "true" : "false"
    case .null: "null"
    case .array, .object: "(\(value.kind))"
    }
  }
}
