import Distributions
import Parallel
import TensorIO

/// The rotation lab (`--rotate`, the explorer's `o`): an orthonormal transform of every row
/// before anything else looks at the tensor, so its histogram, fit, kurtosis and every format's
/// error are those of the rotated weights (the transform is orthogonal: the error of x̂ is the
/// same in both domains).
///
/// `hadamard:B` multiplies each run of B consecutive elements of a row by the Walsh–Hadamard
/// matrix of order B in Sylvester order (H₁ = [1], H₂ₙ = [[Hₙ, Hₙ], [Hₙ, −Hₙ]]) scaled by 1/√B;
/// `hadamard:row` takes B = the row length. `rht:B` (and `rht:row`) first flips the sign of
/// column j of every row by the j-th sign of `signs(count:)`, a fixed ±1 sequence from
/// SplitMix64 seeded with `seed`, as QuaRot's randomized Hadamard transform does.
public enum Rotation: Sendable, Hashable, CustomStringConvertible {
  case none
  /// Blocks of `block` elements (nil: the whole row); `randomSigns` for `rht`.
  case hadamard(block: Int?, randomSigns: Bool)

  /// The seed of `rht`'s signs: the bytes of "tscope" read as a number.
  public static let seed: UInt64 = 0x7473_636F_7065

  /// The explorer's `o` cycle.
  public static let cycle: [Rotation] = [
    .none, .hadamard(block: 128, randomSigns: false), .hadamard(block: nil, randomSigns: false),
    .hadamard(block: 128, randomSigns: true),
  ]

  /// The rotation after this one in `cycle` (one outside it goes back to `none`).
  public var next: Rotation {
    let position = Self.cycle.firstIndex(of: self) ?? -1
    return Self.cycle[(position + 1) % Self.cycle.count]
  }

  /// `none`, `hadamard:B`, `hadamard:row`, `rht:B`, `rht:row` (B a power of two); nil otherwise.
  public init?(parsing text: String) {
    let lower = text.lowercased()
    if lower == "none" {
      self = .none
      return
    }
    let parts = lower.split(separator: ":", maxSplits: 1).map(String.init)
    guard parts.count == 2, parts[0] == "hadamard" || parts[0] == "rht" else { return nil }
    let randomSigns = parts[0] == "rht"
    if parts[1] == "row" {
      self = .hadamard(block: nil, randomSigns: randomSigns)
      return
    }
    guard let block = Int(parts[1]), block > 0, block & (block - 1) == 0 else { return nil }
    self = .hadamard(block: block, randomSigns: randomSigns)
  }

  /// As `--rotate` takes it.
  public var description: String {
    switch self {
    case .none: "none"
    case .hadamard(let block, let randomSigns):
      "\(randomSigns ? "rht" : "hadamard"):\(block.map(String.init) ?? "row")"
    }
  }

  /// Why the rotation does not fit rows of `rowLength` elements, or nil when it does.
  public func problem(rowLength: Int) -> String? {
    guard case .hadamard(let block, _) = self else { return nil }
    let size = block ?? rowLength
    if size <= 0 || size & (size - 1) != 0 {
      return "--rotate \(self): the row length \(rowLength) is not a power of two"
    }
    if rowLength % size != 0 {
      return "--rotate \(self): the block \(size) does not divide the row length \(rowLength)"
    }
    return nil
  }

  /// The ±1 signs of `rht` for the first `count` columns.
  public static func signs(count: Int) -> [Double] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in generator.next() >> 63 == 0 ? 1 : -1 }
  }

  /// The rotated tensor: an owned F32 copy with the same name and shape (a tensor that is not
  /// analysed, or `none`, comes back as it is). Rows are transformed in Float64 and rounded to
  /// Float32 once, on all cores. Throws `RotationError` when the rotation does not fit the rows.
  public func apply(to tensor: Tensor, threads: Int? = nil) throws(RotationError) -> Tensor {
    guard case .hadamard(let block, let randomSigns) = self, tensor.info.dtype.isAnalysable, tensor.count > 0
    else { return tensor }
    let rowLength = max(tensor.info.rowLength, 1)
    if let problem = problem(rowLength: rowLength) {
      throw RotationError(message: "\(tensor.info.name): \(problem)")
    }
    let size = block ?? rowLength
    let signs = randomSigns ? Self.signs(count: rowLength) : nil
    let rowCount = tensor.count / rowLength
    var values = [Float](repeating: 0, count: tensor.count)
    let rowsPerPiece = max(1, (1 << 16) / rowLength)
    let pieces = (rowCount + rowsPerPiece - 1) / rowsPerPiece
    values.withUnsafeMutableBufferPointer { output in
      // Each piece writes only its own rows of `output`, which outlives the run.
      nonisolated(unsafe) let base = output.baseAddress!
      WorkerPool.run(count: pieces, threads: threads ?? WorkerPool.allCores) { piece in
        let first = piece * rowsPerPiece
        let last = min(rowCount, first + rowsPerPiece)
        let target = UnsafeMutableBufferPointer(start: base + first * rowLength, count: (last - first) * rowLength)
        tensor.decode((first * rowLength)..<(last * rowLength), into: target)
        var work = [Double](repeating: 0, count: size)
        let scale = 1 / Double(size).squareRoot()
        for row in 0..<(last - first) {
          for start in stride(from: 0, to: rowLength, by: size) {
            let offset = row * rowLength + start
            for index in 0..<size {
              let sign: Double = signs.map { $0[start + index] } ?? 1.0
              work[index] = Double(target[offset + index]) * sign
            }
            Self.transform(&work)
            for index in 0..<size { target[offset + index] = Float(work[index] * scale) }
          }
        }
      }
    }
    let storage = ByteStorage.owning(values.withUnsafeBytes { Array($0) })
    let info = TensorInfo(name: tensor.info.name, dtype: .f32, shape: tensor.info.shape, file: "rotated")
    return Tensor(info: info, storage: storage, bytes: storage.bytes)
  }

  /// The unnormalized fast Walsh–Hadamard transform in place (Sylvester order): log₂ n passes
  /// of butterflies over contiguous halves, which the compiler vectorizes.
  public static func transform(_ values: inout [Double]) {
    let count = values.count
    values.withUnsafeMutableBufferPointer { buffer in
      guard let data = buffer.baseAddress else { return }
      var half = 1
      while half < count {
        var start = 0
        while start < count {
          let low = data + start
          let high = data + start + half
          for index in 0..<half {
            let a = low[index]
            let b = high[index]
            low[index] = a + b
            high[index] = a - b
          }
          start += 2 * half
        }
        half *= 2
      }
    }
  }
}

/// A rotation that does not fit a tensor's rows: one line, exit status 2.
public struct RotationError: Error, Sendable, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}
