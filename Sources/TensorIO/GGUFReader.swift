/// Reads GGUF v2 and v3 files (ggml docs/gguf.md): header, metadata key/values, tensor infos,
/// `general.alignment` and the aligned data section.
///
/// Little-endian files only (the spec's default; llama.cpp writes no others). Every count, length
/// and offset is checked against the bytes the file actually holds before it is used, so a
/// hostile header can neither read out of bounds nor make tscope allocate or loop in proportion
/// to a number it merely claims.
enum GGUFReader {
  static let magic: UInt32 = 0x4655_4747  // "GGUF" read as a little-endian UInt32
  static let defaultAlignment = 32
  /// ggml's GGML_MAX_DIMS.
  static let maximumDimensions = 4

  static func open(_ path: String) throws(TensorFileError) -> Model {
    let storage = try ByteStorage.mapping(path: path, displayName: path)
    return try parse(storage, path: path, fileName: PathComponents.fileName(of: path))
  }

  /// Parses a whole GGUF image held by `storage`; errors name `path`.
  static func parse(_ storage: ByteStorage, path: String, fileName: String) throws(TensorFileError) -> Model {
    var reader = BoundedByteReader(bytes: storage.bytes, file: path)
    guard reader.remaining >= 4, try reader.read(UInt32.self, for: "magic") == magic else {
      throw reader.failure("not a GGUF file (the first 4 bytes are not \"GGUF\")")
    }
    let version = try reader.read(UInt32.self, for: "version")
    guard version == 2 || version == 3 else {
      if version & 0xFFFF == 0 && version != 0 {
        throw reader.failure("big-endian GGUF files are not supported")
      }
      throw reader.failure("GGUF version \(version) is not supported (only versions 2 and 3)")
    }
    let tensorCount = try reader.readLength(for: "tensor count")
    let metadataCount = try reader.readLength(for: "metadata key/value count")

    let metadata = try readMetadata(&reader, count: metadataCount)
    let alignment = try alignment(from: metadata, reader: reader)
    let declared = try readTensorInfos(&reader, count: tensorCount)

    // The data section starts at the first multiple of `alignment` after the tensor infos.
    let (padded, overflow) = reader.offset.addingReportingOverflow(alignment - 1)
    guard !overflow else { throw reader.failure("data section offset overflows") }
    let dataStart = padded / alignment * alignment

    let tensors = try place(
      declared, dataStart: dataStart, alignment: alignment, storage: storage, reader: reader, fileName: fileName)
    var text: [String: String] = [:]
    for entry in metadata { text[entry.key] = entry.text }
    text["GGUF.version"] = String(version)
    return Model(path: path, tensors: tensors, metadata: text)
  }

  private struct MetadataEntry {
    let key: String
    let type: GGUFMetadataValue.ValueType
    let text: String
  }

  private static func readMetadata(_ reader: inout BoundedByteReader, count: Int) throws(TensorFileError)
    -> [MetadataEntry]
  {
    // A key/value takes at least 8 (key length) + 4 (type) + 1 bytes.
    guard count <= reader.remaining / 13 else {
      throw reader.failure("header claims \(count) metadata key/values, more than the file holds")
    }
    var entries: [MetadataEntry] = []
    var seen: Set<String> = []
    for index in 0..<count {
      let key = try GGUFMetadataValue.readString(&reader, for: "metadata key \(index)")
      guard seen.insert(key).inserted else { throw reader.failure("duplicate metadata key \(MessageText.quoted(key))") }
      let type = try GGUFMetadataValue.readType(&reader, for: "metadata \(MessageText.quoted(key))")
      let text = try GGUFMetadataValue.read(type, &reader, for: "metadata \(MessageText.quoted(key))")
      entries.append(MetadataEntry(key: key, type: type, text: text))
    }
    return entries
  }

  /// `general.alignment`: a uint32 power of two (as gguf-py and llama.cpp require), default 32.
  private static func alignment(from metadata: [MetadataEntry], reader: BoundedByteReader) throws(TensorFileError)
    -> Int
  {
    guard let entry = metadata.first(where: { $0.key == "general.alignment" }) else { return defaultAlignment }
    guard entry.type == .uint32, let value = Int(entry.text), value > 0, value & (value - 1) == 0 else {
      throw reader.failure("general.alignment must be a uint32 power of two, found \(entry.type.name) \(entry.text)")
    }
    return value
  }

  private struct DeclaredTensor {
    let name: String
    /// ne[0] (fastest) first, as the file lists them.
    let dimensions: [Int]
    let dtype: DType
    let offset: Int
  }

  private static func readTensorInfos(_ reader: inout BoundedByteReader, count: Int) throws(TensorFileError)
    -> [DeclaredTensor]
  {
    // A tensor info takes at least 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset) bytes.
    guard count <= reader.remaining / 24 else {
      throw reader.failure("header claims \(count) tensors, more than the file holds")
    }
    var tensors: [DeclaredTensor] = []
    tensors.reserveCapacity(count)
    var names: Set<String> = []
    for index in 0..<count {
      let name = try GGUFMetadataValue.readString(&reader, for: "tensor \(index) name")
      guard names.insert(name).inserted else {
        throw reader.failure("duplicate tensor name \(MessageText.quoted(name))")
      }
      let dimensionCount = try reader.read(UInt32.self, for: "tensor \(MessageText.quoted(name)) dimension count")
      guard dimensionCount <= maximumDimensions else {
        throw reader.failure(
          "tensor \(MessageText.quoted(name)) has \(dimensionCount) dimensions (at most \(maximumDimensions))")
      }
      var dimensions: [Int] = []
      for axis in 0..<Int(dimensionCount) {
        dimensions.append(try reader.readLength(for: "tensor \(MessageText.quoted(name)) ne[\(axis)]"))
      }
      let typeID = try reader.read(UInt32.self, for: "tensor \(MessageText.quoted(name)) type")
      let offset = try reader.readLength(for: "tensor \(MessageText.quoted(name)) offset")
      tensors.append(
        DeclaredTensor(name: name, dimensions: dimensions, dtype: GGMLTypeID.dtype(typeID), offset: offset))
    }
    return tensors
  }

  /// Checks each tensor's size and offset and points it at its bytes in the data section.
  ///
  /// A tensor of a type id ggml does not define has no known size: it is given the bytes from its
  /// offset to the next tensor's offset (or the end of the file), so it is listed with a byte
  /// count but never decoded; every other tensor is validated as usual.
  private static func place(
    _ declared: [DeclaredTensor], dataStart: Int, alignment: Int, storage: ByteStorage,
    reader: BoundedByteReader, fileName: String
  ) throws(TensorFileError) -> [Tensor] {
    let fileSize = storage.bytes.count
    let starts = declared.map(\.offset).sorted()
    var tensors: [Tensor] = []
    var ranges: [(range: Range<Int>, name: String)] = []
    for tensor in declared {
      let name = tensor.name
      var byteCount = try byteCount(of: tensor, reader: reader)
      if case .unknownGGML = tensor.dtype {
        let (start, overflow) = dataStart.addingReportingOverflow(tensor.offset)
        let end =
          firstOffset(after: tensor.offset, in: starts).map { next in
            let (position, nextOverflow) = dataStart.addingReportingOverflow(next)
            return nextOverflow ? fileSize : min(position, fileSize)
          } ?? fileSize
        byteCount = !overflow && start < end ? end - start : 0
      }
      guard tensor.offset % alignment == 0 else {
        throw reader.failure(
          "tensor \(MessageText.quoted(name)) offset \(tensor.offset) is not a multiple of the alignment \(alignment)")
      }
      let (start, startOverflow) = dataStart.addingReportingOverflow(tensor.offset)
      let (end, endOverflow) = start.addingReportingOverflow(byteCount)
      guard !startOverflow, !endOverflow, end <= fileSize else {
        if case .unknownGGML = tensor.dtype {
          throw reader.failure(
            "tensor \(MessageText.quoted(name)) (\(tensor.dtype)) data offset \(tensor.offset) lies past the end of the file"
          )
        }
        throw reader.failure(
          "tensor \(MessageText.quoted(name)) data (\(byteCount) bytes at data offset \(tensor.offset)) runs past the end of the file"
        )
      }
      ranges.append((start..<end, name))
      let shape = Array(tensor.dimensions.reversed())
      let info = TensorInfo(
        name: name, dtype: tensor.dtype, shape: shape, file: fileName, displayShape: tensor.dimensions)
      // In bounds: start >= dataStart >= 0 and end <= fileSize were checked above.
      let bytes = UnsafeRawBufferPointer(rebasing: storage.bytes[start..<end])
      tensors.append(Tensor(info: info, storage: storage, bytes: bytes))
    }
    ranges.sort { $0.range.lowerBound < $1.range.lowerBound }
    for (previous, next) in zip(ranges, ranges.dropFirst()) where next.range.lowerBound < previous.range.upperBound {
      throw reader.failure("tensors \(MessageText.quoted(previous.name)) and \(MessageText.quoted(next.name)) overlap")
    }
    return tensors
  }

  /// The smallest of the sorted `offsets` above `offset` (a binary search: a file may declare
  /// millions of tensors).
  private static func firstOffset(after offset: Int, in offsets: [Int]) -> Int? {
    var low = 0
    var high = offsets.count
    while low < high {
      let middle = (low + high) / 2
      if offsets[middle] <= offset { low = middle + 1 } else { high = middle }
    }
    return low < offsets.count ? offsets[low] : nil
  }

  /// Bytes of a tensor: rows of ne[0] elements in whole blocks, with overflow-checked products
  /// (0 for a type id ggml does not define, whose size `place` takes from the offsets).
  private static func byteCount(of tensor: DeclaredTensor, reader: BoundedByteReader) throws(TensorFileError) -> Int {
    let dtype = tensor.dtype
    guard let elements = ShapeArithmetic.elementCount(tensor.dimensions) else {
      throw reader.failure("tensor \(MessageText.quoted(tensor.name)) shape \(tensor.dimensions) overflows")
    }
    guard let blockBytes = dtype.blockBytes else { return 0 }
    let rowLength = tensor.dimensions.first ?? 1
    guard rowLength % dtype.blockElements == 0 else {
      throw reader.failure(
        "tensor \(MessageText.quoted(tensor.name)) row length \(rowLength) is not a multiple of the \(dtype) block size "
          + "\(dtype.blockElements)")
    }
    let (bytes, overflow) = (elements / dtype.blockElements).multipliedReportingOverflow(by: blockBytes)
    guard !overflow else { throw reader.failure("tensor \(MessageText.quoted(tensor.name)) byte size overflows") }
    return bytes
  }
}
