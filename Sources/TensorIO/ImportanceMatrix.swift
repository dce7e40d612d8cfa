/// A llama.cpp importance matrix, as `llama-imatrix` writes it: per weight tensor (by GGUF name),
/// the mean square E[x_j²] of each input column j over the calibration tokens, per expert.
///
/// Two formats (llama.cpp `tools/imatrix/imatrix.cpp`, `save_imatrix` and `save_imatrix_legacy`):
/// - GGUF, `general.type = "imatrix"`: per weight `NAME.in_sum2` (F32, ne = [columns, experts],
///   Σx² per column) and `NAME.counts` (F32, ne = [1, experts], tokens seen), optionally `NAME.in_sum`.
///   E[x²] = in_sum2 / counts; an expert no token reached (count 0) gets importance 0.
/// - legacy `.dat`: int32 entry count; per entry int32 name length, the name, int32 ncall,
///   int32 nval, nval float32 values (E[x²]·ncall, experts one after another); then int32 last
///   chunk and the dataset name. E[x²] = value / ncall; the column count is the tensor's row length.
public struct ImportanceMatrix: Sendable {
  /// One weight's importances.
  public struct Entry: Sendable, Equatable {
    /// E[x_j²], expert-major: `meanSquares[expert * columns + j]`.
    public let meanSquares: [Float]
    /// Input columns per expert as the file states them (GGUF), or nil (legacy: the tensor's row length).
    public let columns: Int?
    /// Experts no calibration token reached (GGUF count 0), ascending: importance 0 here, but
    /// llama-quantize quantizes them with importance 1.
    public let unseenExperts: [Int]

    public init(meanSquares: [Float], columns: Int?, unseenExperts: [Int] = []) {
      self.meanSquares = meanSquares
      self.columns = columns
      self.unseenExperts = unseenExperts
    }
  }

  public let path: String
  /// By GGUF tensor name (`blk.0.attn_q.weight`).
  public let entries: [String: Entry]

  public init(path: String, entries: [String: Entry]) {
    self.path = path
    self.entries = entries
  }

  /// Reads either format (a GGUF file is recognised by its magic, not its name).
  public static func read(_ path: String) throws(TensorFileError) -> ImportanceMatrix {
    try read(ByteStorage.mapping(path: path, displayName: path), path: path)
  }

  /// Reads either format from the bytes of `storage`; errors name `path`.
  static func read(_ storage: ByteStorage, path: String) throws(TensorFileError) -> ImportanceMatrix {
    let magic = storage.bytes.count >= 4 ? Array(storage.bytes[0..<4]) : []
    if magic == Array("GGUF".utf8) {
      return try readGGUF(storage, path: path)
    }
    return try readLegacy(storage, path: path)
  }

  private static func readGGUF(_ storage: ByteStorage, path: String) throws(TensorFileError) -> ImportanceMatrix {
    let model = try GGUFReader.parse(storage, path: path, fileName: path)
    let kind = model.metadata["general.type"]
    guard kind == "imatrix" else {
      throw TensorFileError(
        file: path,
        problem: "a GGUF file but not an imatrix (general.type is \(kind.map(MessageText.quoted) ?? "absent"))")
    }
    var entries: [String: Entry] = [:]
    for info in model.tensors where info.name.hasSuffix(".in_sum2") {
      let name = String(info.name.dropLast(".in_sum2".count))
      guard let sums = model.tensor(named: info.name), let counts = model.tensor(named: name + ".counts") else {
        throw TensorFileError(file: path, problem: "\(MessageText.quoted(name)) has in_sum2 but no counts")
      }
      guard info.dtype == .f32, counts.info.dtype == .f32 else {
        throw TensorFileError(file: path, problem: "\(MessageText.quoted(name)): in_sum2 and counts must be F32")
      }
      let experts = counts.count
      let columns = info.rowLength
      // A header's shape can make the product overflow (a huge row of an empty tensor).
      let (cells, overflow) = columns.multipliedReportingOverflow(by: experts)
      guard experts > 0, !overflow, sums.count == cells else {
        throw TensorFileError(
          file: path,
          problem: "\(MessageText.quoted(name)): in_sum2 holds \(sums.count) values, not \(columns) × \(experts) counts"
        )
      }
      let sumValues = sums.decodedValues()
      let countValues = counts.decodedValues()
      var meanSquares = [Float](repeating: 0, count: sumValues.count)
      for expert in 0..<experts where countValues[expert] > 0 {
        let count = countValues[expert]
        for column in 0..<columns {
          meanSquares[expert * columns + column] = sumValues[expert * columns + column] / count
        }
      }
      let unseen = (0..<experts).filter { !(countValues[$0] > 0) }
      entries[name] = Entry(meanSquares: meanSquares, columns: columns, unseenExperts: unseen)
    }
    return ImportanceMatrix(path: path, entries: entries)
  }

  private static func readLegacy(_ storage: ByteStorage, path: String) throws(TensorFileError) -> ImportanceMatrix {
    var reader = BoundedByteReader(bytes: storage.bytes, file: path)
    let count = Int(try reader.read(Int32.self, for: "the entry count"))
    // Each entry takes at least 12 bytes: a wrong count is caught before any allocation.
    guard count > 0, count <= reader.remaining / 12 else {
      throw reader.failure("not an imatrix: \(count) entries (neither a GGUF imatrix nor a legacy .dat)")
    }
    var entries: [String: Entry] = [:]
    for index in 0..<count {
      let length = Int(try reader.read(Int32.self, for: "entry \(index)'s name length"))
      guard length > 0 else { throw reader.failure("entry \(index) has a name of length \(length)") }
      let name = String(decoding: try reader.slice(length, for: "entry \(index)'s name"), as: UTF8.self)
      let calls = try reader.read(Int32.self, for: "\(name)'s ncall")
      let values = Int(try reader.read(Int32.self, for: "\(name)'s nval"))
      guard values > 0, calls > 0 else {
        throw reader.failure("\(MessageText.quoted(name)) has ncall \(calls) and nval \(values) (both must be > 0)")
      }
      let bytes = try reader.slice(values * 4, for: "\(name)'s \(values) values")
      let divisor = Float(calls)
      let meanSquares = (0..<values).map {
        Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) / divisor
      }
      entries[name] = Entry(meanSquares: meanSquares, columns: nil)
    }
    // The last chunk and the dataset name follow; tscope does not need them.
    return ImportanceMatrix(path: path, entries: entries)
  }

  /// The importance of each input column of `tensor`'s rows, or nil when the imatrix does not
  /// cover it. The entry is found by the tensor's name, or by its GGUF name for a Hugging Face
  /// model (`TensorNames`); a per-expert Hugging Face tensor takes its expert's columns of the
  /// merged GGUF entry, a merged 3-D expert tensor [experts, rows, columns] each expert's own.
  /// Throws when the entry's length disagrees with the tensor's rows.
  public func weights(for tensor: TensorInfo) throws(TensorFileError) -> ImportanceWeights? {
    var found: (name: String, entry: Entry, expert: Int?)?
    if let entry = entries[tensor.name] {
      found = (tensor.name, entry, nil)
    } else if let name = TensorNames.ggufName(forHF: tensor.name), let entry = entries[name] {
      found = (name, entry, nil)
    } else if let (name, expert) = TensorNames.ggufExpert(forHF: tensor.name), let entry = entries[name] {
      found = (name, entry, expert)
    }
    guard let (name, entry, expert) = found else { return nil }
    let rowLength = tensor.rowLength
    let rows = tensor.count / max(rowLength, 1)
    let mismatch = { (detail: String) in
      TensorFileError(
        file: path,
        problem:
          "\(MessageText.quoted(name)) does not fit the model's tensor"
          + (name == tensor.name ? "" : " \(MessageText.quoted(tensor.name))") + " (shape \(tensor.shape)): \(detail)"
      )
    }
    let values = entry.meanSquares.count
    if let columns = entry.columns, columns != rowLength {
      throw mismatch("the imatrix has \(columns) columns per expert, the tensor's rows hold \(rowLength)")
    }
    guard rowLength > 0, values % rowLength == 0 else {
      throw mismatch("the imatrix has \(values) values, not a multiple of the row length \(rowLength)")
    }
    let experts = values / rowLength
    if let expert {
      guard expert < experts else { throw mismatch("expert \(expert), but the imatrix has \(experts)") }
      let slice = Array(entry.meanSquares[(expert * rowLength)..<((expert + 1) * rowLength)])
      return ImportanceWeights(
        values: slice, rowLength: rowLength, rowsPerExpert: max(rows, 1),
        unseenExperts: entry.unseenExperts.contains(expert) ? [0] : [])
    }
    if experts == 1 {
      return ImportanceWeights(
        values: entry.meanSquares, rowLength: rowLength, rowsPerExpert: max(rows, 1),
        unseenExperts: entry.unseenExperts)
    }
    guard tensor.shape.count == 3, tensor.shape[0] == experts else {
      throw mismatch("the imatrix has \(experts) experts; the tensor is not [\(experts), rows, \(rowLength)]")
    }
    return ImportanceWeights(
      values: entry.meanSquares, rowLength: rowLength, rowsPerExpert: rows / experts,
      unseenExperts: entry.unseenExperts)
  }
}

/// What an `--imatrix` file holds for one tensor: what `TYPE:imatrix` quantizes it with.
public enum ImatrixEntry: Sendable, Equatable {
  /// No importance matrix was given (`TYPE:imatrix` is refused).
  case noMatrix
  /// The matrix has no entry for the tensor: llama-quantize takes its path without one there.
  case missing
  /// The tensor's entry.
  case weights(ImportanceWeights)

  /// `weights` when a matrix was given (`matrixGiven`): `.missing` where it has no entry.
  public init(matrixGiven: Bool, weights: ImportanceWeights?) {
    self = !matrixGiven ? .noMatrix : weights.map(ImatrixEntry.weights) ?? .missing
  }

  /// The tensor's weights, nil without an entry.
  public var weights: ImportanceWeights? {
    if case .weights(let weights) = self { return weights }
    return nil
  }
}

/// Importance weights for one tensor's elements: row r, column j has weight
/// `values[(r / rowsPerExpert) * rowLength + j]`.
public struct ImportanceWeights: Sendable, Equatable {
  public let values: [Float]
  public let rowLength: Int
  public let rowsPerExpert: Int
  /// Experts no calibration token reached (their values are 0), by index into `values`' experts.
  public let unseenExperts: [Int]

  public init(values: [Float], rowLength: Int, rowsPerExpert: Int, unseenExperts: [Int] = []) {
    precondition(rowLength > 0 && rowsPerExpert > 0 && values.count % rowLength == 0)
    self.values = values
    self.rowLength = rowLength
    self.rowsPerExpert = rowsPerExpert
    self.unseenExperts = unseenExperts
  }
}
