import CKernels
import Parallel
import TensorIO

/// A tensor viewed as rows for the kernel, with the rows a run reads split into pieces that
/// run on all cores.
///
/// F32, F16 and BF16 are read in place by the C kernel (F16/BF16 decoded tile by tile inside
/// it); every other dtype is decoded by TensorIO one piece at a time. No run ever holds a
/// Float32 copy of a whole large tensor.
struct RowSource: Sendable {
  let tensor: Tensor
  let rowLength: Int
  let rowCount: Int
  /// Consecutive row ranges to read, each small enough to be one unit of parallel work.
  let pieces: [Range<Int>]
  /// Whether only some rows are read.
  let isSample: Bool
  /// At most this many worker threads (nil: one per core).
  let threads: Int?

  /// Elements per piece: big enough to amortize the call, small enough to balance two cores.
  static let piece = 1 << 18

  init(tensor: Tensor, rows selection: RowSelection, threads: Int? = nil) {
    self.tensor = tensor
    self.threads = threads
    let length = max(tensor.info.rowLength, 1)
    self.rowLength = length
    // A dtype tscope does not analyse (I64, U8, BOOL, unknown) has no rows to read.
    self.rowCount = tensor.count == 0 || !tensor.info.dtype.isAnalysable ? 0 : tensor.count / length
    let rowsPerPiece = max(1, Self.piece / length)
    var pieces: [Range<Int>] = []
    var sampled = false
    if case .sample(let maxElements) = selection,
      let rows = Self.sampledRows(rowCount: rowCount, rowLength: length, maxElements: maxElements)
    {
      pieces = rows.map { $0..<($0 + 1) }
      sampled = true
    } else {
      var start = 0
      while start < rowCount {
        pieces.append(start..<min(rowCount, start + rowsPerPiece))
        start += rowsPerPiece
      }
    }
    self.pieces = pieces
    self.isSample = sampled
  }

  /// The rows `RowSelection.sample(maxElements:)` reads, ascending: evenly spaced single rows,
  /// deterministic and spread over the whole tensor; nil when the whole tensor is read (it
  /// already fits, or has a single row). The one row sampler of tscope.
  static func sampledRows(rowCount: Int, rowLength: Int, maxElements: Int) -> [Int]? {
    guard rowCount > 1, rowCount * rowLength > maxElements else { return nil }
    let wanted = max(1, maxElements / max(rowLength, 1))
    let stride = Double(rowCount) / Double(wanted)
    var rows: [Int] = []
    rows.reserveCapacity(wanted)
    for index in 0..<wanted {
      let row = min(rowCount - 1, Int(Double(index) * stride))
      if row != rows.last { rows.append(row) }
    }
    return rows
  }

  /// Elements read by a run.
  var elementCount: Int { pieces.reduce(0) { $0 + $1.count } * rowLength }

  /// The C dtype when the kernel can read the bytes in place (aligned F32/F16/BF16).
  private var nativeDType: Int32? {
    let alignment = Int(bitPattern: tensor.bytes.baseAddress)
    switch tensor.info.dtype {
    case .f32 where alignment % 4 == 0: return Int32(TK_F32.rawValue)
    case .f16 where alignment % 2 == 0: return Int32(TK_F16.rawValue)
    case .bf16 where alignment % 2 == 0: return Int32(TK_BF16.rawValue)
    default: return nil
    }
  }

  /// Runs `body` on every piece, on all cores, and returns the results in piece order.
  /// `body` gets the piece's layout (group and fixed amax still to be filled in) and the flat
  /// index of its first element. `isCancelled` is polled before each piece.
  func map<T: Sendable>(
    isCancelled: @Sendable () -> Bool, _ body: @Sendable (inout tk_layout, _ firstElement: Int) -> T
  ) throws(Cancelled) -> [T] {
    let slots = ResultSlots<T>(count: pieces.count)
    let native = nativeDType
    withoutActuallyEscaping(body) { body in
      withoutActuallyEscaping(isCancelled) { isCancelled in
        let runPiece: @Sendable (Int) -> Void = { index in
          // A cancelled piece leaves its slot empty.
          if isCancelled() { return }
          let rows = pieces[index]
          let first = rows.lowerBound * rowLength
          let count = rows.count * rowLength
          var layout = tk_layout(
            source: nil, dtype: 0, rows: Int64(rows.count), row_length: Int64(rowLength), group: Int64(rowLength),
            fixed_amax: -1, fixed_min: 0, fixed_max: 0)
          if let native, let base = tensor.bytes.baseAddress {
            // In bounds: rows lie inside the tensor, whose byte length the reader checked.
            layout.source = UnsafeRawPointer(base + first * (native == Int32(TK_F32.rawValue) ? 4 : 2))
            layout.dtype = native
            slots.store(body(&layout, first), at: index)
          } else {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
            defer { buffer.deallocate() }
            tensor.decode(first..<(first + count), into: buffer)
            layout.source = UnsafeRawPointer(buffer.baseAddress)
            layout.dtype = Int32(TK_F32.rawValue)
            slots.store(body(&layout, first), at: index)
          }
        }
        WorkerPool.run(count: pieces.count, threads: threads ?? WorkerPool.allCores, runPiece)
      }
    }
    guard let results = slots.results() else { throw Cancelled() }
    return results
  }
}
