#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Bytes that tensors point into, kept alive as long as any tensor uses them:
/// a read-only memory map of a model file, or an owned buffer (e.g. an inflated npz member).
public final class ByteStorage: @unchecked Sendable {
  // @unchecked: the bytes are never written after init, so sharing across threads is safe.
  public let bytes: UnsafeRawBufferPointer
  /// Whether `bytes` is a memory map of a file (whose pages the OS can drop and read again).
  public let isMemoryMapped: Bool
  private let release: @Sendable (UnsafeRawBufferPointer) -> Void

  init(
    bytes: UnsafeRawBufferPointer, isMemoryMapped: Bool = false,
    release: @escaping @Sendable (UnsafeRawBufferPointer) -> Void
  ) {
    self.bytes = bytes
    self.isMemoryMapped = isMemoryMapped
    self.release = release
  }

  deinit { release(bytes) }

  /// Maps `path` read-only (PROT_READ, MAP_PRIVATE). The file is never written.
  /// `displayName` is the name used in error messages.
  public static func mapping(path: String, displayName: String) throws(TensorFileError) -> ByteStorage {
    // O_NONBLOCK: opening a FIFO named like a model must not wait for a writer (fstat then rejects it).
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
      throw TensorFileError(file: displayName, problem: "cannot open: \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw TensorFileError(file: displayName, problem: "cannot stat: \(String(cString: strerror(errno)))")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw TensorFileError(file: displayName, problem: "not a regular file")
    }
    let size = Int(info.st_size)
    if size == 0 {
      return ByteStorage(bytes: UnsafeRawBufferPointer(start: nil, count: 0), release: { _ in })
    }
    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
      throw TensorFileError(file: displayName, problem: "cannot map: \(String(cString: strerror(errno)))")
    }
    return ByteStorage(
      bytes: UnsafeRawBufferPointer(start: base, count: size), isMemoryMapped: true,
      release: { bytes in
        if let start = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: start), bytes.count) }
      })
  }

  /// Takes ownership of a copy of `data` (for members that must be decompressed or reordered).
  public static func owning(_ data: [UInt8]) -> ByteStorage {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 64)
    data.withUnsafeBytes { source in
      if let base = source.baseAddress, let target = buffer.baseAddress {
        target.copyMemory(from: base, byteCount: source.count)
      }
    }
    return ByteStorage(
      bytes: UnsafeRawBufferPointer(start: buffer.baseAddress, count: data.count),
      release: { bytes in UnsafeMutableRawPointer(mutating: bytes.baseAddress)?.deallocate() })
  }
}
