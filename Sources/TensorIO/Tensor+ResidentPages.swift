#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Tensor {
  /// Tells the OS this tensor's mapped pages are not needed any more, so they leave the process's
  /// resident set (they stay in the page cache, and are read again if touched). Streaming over a
  /// model larger than memory (`report`) calls it after each tensor, so resident memory stays
  /// bounded by one tensor instead of growing with the model. Does nothing for owned buffers.
  public func releaseResidentPages() {
    guard storage.isMemoryMapped, let start = bytes.baseAddress, bytes.count > 0 else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    // Whole pages only: madvise needs a page-aligned start. The pages shared with a neighbouring
    // tensor are dropped too, which is harmless: the map is read-only and the file backs them.
    let first = Int(bitPattern: start) / page * page
    let end = Int(bitPattern: start) + bytes.count
    _ = madvise(UnsafeMutableRawPointer(bitPattern: first), end - first, MADV_DONTNEED)
  }
}
