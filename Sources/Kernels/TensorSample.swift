import Parallel
import TensorIO

/// How many of a tensor's elements are finite, and their range: one decoding pass.
public struct ValueRange: Sendable, Hashable {
  public let finiteCount: Int
  /// The least and greatest finite values (0 when there is none).
  public let minimum: Double
  public let maximum: Double

  /// max |x| over the finite elements.
  public var amax: Double { max(abs(minimum), abs(maximum)) }

  /// Reads every element of `tensor` (decoded in chunks), polling `isCancelled` between chunks.
  public static func scan(
    _ tensor: Tensor, isCancelled: @Sendable () -> Bool = { false }
  ) throws(Cancelled) -> ValueRange {
    let count = tensor.count
    var finite = 0
    var low = Float.infinity
    var high = -Float.infinity
    let chunk = 1 << 18
    var buffer = [Float](repeating: 0, count: min(chunk, max(count, 1)))
    var start = 0
    while start < count {
      if isCancelled() { throw Cancelled() }
      let end = min(start + chunk, count)
      buffer.withUnsafeMutableBufferPointer { output in
        tensor.decode(start..<end, into: UnsafeMutableBufferPointer(rebasing: output[0..<(end - start)]))
      }
      for value in buffer[0..<(end - start)] where value.isFinite {
        finite += 1
        low = min(low, value)
        high = max(high, value)
      }
      start = end
    }
    return finite > 0
      ? ValueRange(finiteCount: finite, minimum: Double(low), maximum: Double(high))
      : ValueRange(finiteCount: 0, minimum: 0, maximum: 0)
  }
}

/// A deterministic sample of a tensor's whole rows, as a Float32 tensor of its own: the rows
/// `RowSelection.sample(maxElements:)` reads (so an estimate on the sample and a sampled run
/// on the tensor see the same elements).
public enum RowSample {
  /// The sampled rows copied into an owned F32 tensor with the same row length (the whole
  /// tensor, copied, when it already fits).
  public static func tensor(of tensor: Tensor, maxElements: Int) -> Tensor {
    let length = max(tensor.info.rowLength, 1)
    let rowCount = tensor.count / length
    var values: [Float]
    if let rows = RowSource.sampledRows(rowCount: rowCount, rowLength: length, maxElements: maxElements) {
      values = [Float](repeating: 0, count: rows.count * length)
      values.withUnsafeMutableBufferPointer { output in
        for (position, row) in rows.enumerated() {
          let target = UnsafeMutableBufferPointer(rebasing: output[(position * length)..<((position + 1) * length)])
          tensor.decode((row * length)..<((row + 1) * length), into: target)
        }
      }
    } else {
      values = [Float](repeating: 0, count: tensor.count)
      values.withUnsafeMutableBufferPointer { tensor.decode(0..<tensor.count, into: $0) }
    }
    let storage = ByteStorage.owning(values.withUnsafeBytes { Array($0) })
    let shape =
      values.count % length == 0 && values.count >= length ? [values.count / length, length] : [values.count]
    let info = TensorInfo(name: tensor.info.name, dtype: .f32, shape: shape, file: "sample")
    return Tensor(info: info, storage: storage, bytes: storage.bytes)
  }
}

extension RowSample {
  /// Rows `rows` (of `rowLength` elements) copied into an owned F32 tensor of their own.
  public static func tensor(of tensor: Tensor, rows: Range<Int>, rowLength: Int) -> Tensor {
    let elements = (rows.lowerBound * rowLength)..<(rows.upperBound * rowLength)
    let values = [Float](unsafeUninitializedCapacity: elements.count) { buffer, initialized in
      tensor.decode(elements, into: buffer)
      initialized = elements.count
    }
    let storage = ByteStorage.owning(values.withUnsafeBytes { Array($0) })
    let info = TensorInfo(name: tensor.info.name, dtype: .f32, shape: [rows.count, rowLength], file: "rows")
    return Tensor(info: info, storage: storage, bytes: storage.bytes)
  }
}

/// Where a typical group's scale lies.
public enum GroupScale {
  /// The median over `tensor`'s groups (rows split by `group`) of their max |x| over finite
  /// elements; the tensor's amax for `tensor` groups; 0 for an empty tensor.
  public static func medianAmax(of tensor: Tensor, group: GroupSize) -> Double {
    let values = tensor.decodedValues()
    let rowLength = max(tensor.info.rowLength, 1)
    let size = group == .tensor ? max(values.count, 1) : group.elementsPerGroup(rowLength: rowLength)
    var maxima: [Float] = []
    var rowStart = 0
    while rowStart < values.count {
      let rowEnd = group == .tensor ? values.count : min(rowStart + rowLength, values.count)
      var start = rowStart
      while start < rowEnd {
        let end = min(start + size, rowEnd)
        var amax: Float = 0
        for value in values[start..<end] where value.isFinite { amax = max(amax, abs(value)) }
        maxima.append(amax)
        start = end
      }
      rowStart = rowEnd
    }
    guard !maxima.isEmpty else { return 0 }
    maxima.sort()
    return Double(maxima[maxima.count / 2])
  }
}
