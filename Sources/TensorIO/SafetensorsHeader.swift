/// One tensor entry of a validated safetensors header.
struct SafetensorsEntry {
  let name: String
  let dtype: DType
  let shape: [Int]
  /// Byte range relative to the start of the data section (after the header).
  let dataRange: Range<Int>
}

/// A safetensors header, fully validated against the file it came from.
///
/// Layout (huggingface/safetensors, docs "format"): 8 bytes little-endian header length N,
/// N bytes of UTF-8 JSON (an object of tensor name → {dtype, shape, data_offsets}, plus an
/// optional `__metadata__` string → string map), then the data section.
struct SafetensorsHeader {
  /// safetensors' own cap on the header length (MAX_HEADER_SIZE, 100 MB).
  static let maximumHeaderLength = 100_000_000

  /// Tensors in data-offset order (as safetensors' `offset_keys()` lists them).
  let entries: [SafetensorsEntry]
  let metadata: [String: String]
  /// Byte offset of the data section in the file.
  let dataStart: Int

  /// Validates the header of `file` (the whole file's bytes); every problem is a `TensorFileError` naming `displayName`.
  init(file: UnsafeRawBufferPointer, displayName: String) throws(TensorFileError) {
    func fail(_ problem: String) -> TensorFileError { TensorFileError(file: displayName, problem: problem) }

    guard file.count >= 8 else {
      throw fail("too short for a safetensors file (\(file.count) bytes; the header length alone takes 8)")
    }
    let declared = UInt64(littleEndian: file.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
    guard declared <= UInt64(Self.maximumHeaderLength) else {
      throw fail("header length \(declared) exceeds safetensors' limit of \(Self.maximumHeaderLength) bytes")
    }
    let headerLength = Int(declared)
    guard headerLength <= file.count - 8 else {
      throw fail("header length \(headerLength) runs past the end of the file (\(file.count) bytes)")
    }
    let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
    guard headerBytes.first == UInt8(ascii: "{") else {
      throw fail("header does not start with '{' (not a safetensors file, or a corrupt header length)")
    }
    guard JSONParser.isValidUTF8(headerBytes) else {
      throw fail("header is not valid UTF-8")
    }
    let json: JSONValue
    do {
      json = try JSONParser.parse(headerBytes)
    } catch {
      throw fail("header is not valid JSON: \(error.message) at byte \(8 + error.offset)")
    }
    guard case .object(let members) = json else { throw fail("header is not a JSON object") }

    dataStart = 8 + headerLength
    let dataLength = file.count - dataStart
    var entries: [SafetensorsEntry] = []
    entries.reserveCapacity(members.count)
    var metadata: [String: String] = [:]
    var seen = Set<String>(minimumCapacity: members.count)
    for (name, value) in members {
      guard seen.insert(name).inserted else { throw fail("tensor \"\(name)\" appears twice in the header") }
      if name == "__metadata__" {
        metadata = try Self.metadata(from: value, fail: fail)
      } else {
        entries.append(try Self.entry(name: name, value: value, dataLength: dataLength, fail: fail))
      }
    }
    try Self.checkNoOverlaps(&entries, fail: fail)
    self.entries = entries
    self.metadata = metadata
  }

  private static func metadata(
    from value: JSONValue, fail: (String) -> TensorFileError
  ) throws(TensorFileError) -> [String: String] {
    guard case .object(let pairs) = value else { throw fail("__metadata__ is \(value.kind), not an object") }
    var metadata: [String: String] = [:]
    for (key, item) in pairs {
      guard case .string(let text) = item else {
        throw fail("__metadata__ value for \"\(key)\" is \(item.kind), not a string")
      }
      metadata[key] = text
    }
    return metadata
  }

  private static func entry(
    name: String, value: JSONValue, dataLength: Int, fail: (String) -> TensorFileError
  ) throws(TensorFileError) -> SafetensorsEntry {
    guard case .object(let fields) = value else { throw fail("tensor \"\(name)\" is \(value.kind), not an object") }
    func field(_ key: String) throws(TensorFileError) -> JSONValue {
      guard let found = fields.first(where: { $0.key == key }) else {
        throw fail("tensor \"\(name)\" has no \"\(key)\"")
      }
      return found.value
    }

    guard case .string(let dtypeName) = try field("dtype") else {
      throw fail("tensor \"\(name)\": dtype is not a string")
    }
    guard let dtype = SafetensorsDType(name: dtypeName) else {
      throw fail(
        "tensor \"\(name)\": unknown dtype \"\(dtypeName)\" (safetensors knows \(SafetensorsDType.knownNames))")
    }

    guard case .array(let dimensions) = try field("shape") else {
      throw fail("tensor \"\(name)\": shape is not an array")
    }
    var shape: [Int] = []
    shape.reserveCapacity(dimensions.count)
    var count = 1
    for dimension in dimensions {
      guard let size = dimension.nonNegativeInteger else {
        throw fail("tensor \"\(name)\": shape entries must be non-negative integers")
      }
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow else { throw fail("tensor \"\(name)\": element count of shape \(shape + [size]) overflows") }
      shape.append(size)
      count = product
    }

    guard case .array(let offsets) = try field("data_offsets"), offsets.count == 2,
      let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger
    else {
      throw fail("tensor \"\(name)\": data_offsets must be two non-negative integers [begin, end]")
    }
    guard begin <= end else { throw fail("tensor \"\(name)\": data_offsets [\(begin), \(end)] end before they begin") }
    guard end <= dataLength else {
      throw fail(
        "tensor \"\(name)\": data_offsets [\(begin), \(end)] run past the end of the data section (\(dataLength) bytes)"
      )
    }

    let (bits, overflow) = count.multipliedReportingOverflow(by: dtype.bits)
    guard !overflow else { throw fail("tensor \"\(name)\": byte size of shape \(shape) overflows") }
    guard bits % 8 == 0 else {
      throw fail("tensor \"\(name)\": \(count) elements of \(dtypeName) do not fill whole bytes")
    }
    guard bits / 8 == end - begin else {
      throw fail(
        "tensor \"\(name)\": shape \(shape) of \(dtypeName) needs \(bits / 8) bytes but data_offsets "
          + "[\(begin), \(end)] hold \(end - begin)")
    }
    return SafetensorsEntry(name: name, dtype: dtype.dtype, shape: shape, dataRange: begin..<end)
  }

  /// Sorts `entries` by offset and rejects any two whose byte ranges share a byte.
  /// (Empty tensors share no bytes with anything. Gaps between tensors are tolerated.)
  private static func checkNoOverlaps(
    _ entries: inout [SafetensorsEntry], fail: (String) -> TensorFileError
  ) throws(TensorFileError) {
    entries.sort {
      ($0.dataRange.lowerBound, $0.dataRange.upperBound, $0.name)
        < ($1.dataRange.lowerBound, $1.dataRange.upperBound, $1.name)
    }
    var previous: SafetensorsEntry?
    for entry in entries where !entry.dataRange.isEmpty {
      if let before = previous, entry.dataRange.lowerBound < before.dataRange.upperBound {
        throw fail(
          "tensors \"\(before.name)\" [\(before.dataRange.lowerBound), \(before.dataRange.upperBound)] and "
            + "\"\(entry.name)\" [\(entry.dataRange.lowerBound), \(entry.dataRange.upperBound)] overlap")
      }
      previous = entry
    }
  }
}
