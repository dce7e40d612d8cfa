import CKernels
import Parallel
import TensorIO

/// A plain read of a tensor's bytes on all cores, split into the same pieces the kernel runs on:
/// the ceiling a kernel over the same tensor can approach (`tscope bench read`).
public enum ReadBaseline {
  /// The sum of the tensor's bytes as 64-bit words (a value only so the read cannot be skipped).
  /// F32/F16/BF16 are read in place; other dtypes are decoded piece by piece first, as the kernel
  /// does. `threads` caps the workers (nil: one per core).
  public static func sum(_ tensor: Tensor, threads: Int? = nil) throws(Cancelled) -> UInt64 {
    let source = RowSource(tensor: tensor, rows: .all, threads: threads)
    let never: @Sendable () -> Bool = { false }
    let parts = try source.map(isCancelled: never) { layout, _ in
      let width: Int64 = layout.dtype == Int32(TK_F32.rawValue) ? 4 : 2
      return tk_sum_bytes(layout.source, layout.rows * layout.row_length * width)
    }
    return parts.reduce(0, &+)
  }
}
