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
  /// The mapped file as it was when opened (nil for owned bytes): `checkUnchanged` compares it.
  private let origin: Origin?
  /// Where the map is recorded for the SIGBUS handler (nil for owned bytes).
  private let registration: MappedRanges.Registration?
  private let release: @Sendable (UnsafeRawBufferPointer) -> Void

  /// A mapped file's open descriptor (kept so fstat sees the very file that is mapped, even
  /// after a rename replaced its path) with its size and modification time at opening.
  private struct Origin {
    let descriptor: Int32
    let displayName: String
    let size: Int
    let modified: timespec
  }

  private init(
    bytes: UnsafeRawBufferPointer, isMemoryMapped: Bool = false, origin: Origin? = nil,
    registration: MappedRanges.Registration? = nil, release: @escaping @Sendable (UnsafeRawBufferPointer) -> Void
  ) {
    self.bytes = bytes
    self.isMemoryMapped = isMemoryMapped
    self.origin = origin
    self.registration = registration
    self.release = release
  }

  deinit {
    // Forgotten before it is unmapped: the SIGBUS handler never names a range that is gone.
    if let registration { MappedRanges.deregister(registration) }
    release(bytes)
    if let origin { close(origin.descriptor) }
  }

  /// Throws when the mapped file no longer has the size or modification time it had when opened
  /// (truncated, rewritten or appended to): reading a mapped page past a truncated end would
  /// raise SIGBUS, and rewritten bytes are not the ones the header described. One fstat(2):
  /// call it once per tensor access, before the tensor's bytes are read.
  public func checkUnchanged() throws(TensorFileError) {
    guard let origin else { return }
    var info = stat()
    guard fstat(origin.descriptor, &info) == 0 else {
      throw TensorFileError(file: origin.displayName, problem: "cannot stat: \(String(cString: strerror(errno)))")
    }
    let size = Int(info.st_size)
    if size != origin.size {
      throw TensorFileError(
        file: origin.displayName,
        problem:
          "changed on disk (size \(Self.grouped(origin.size)) → \(Self.grouped(size)) bytes) since it was opened")
    }
    let modified = Self.modificationTime(info)
    if modified.tv_sec != origin.modified.tv_sec || modified.tv_nsec != origin.modified.tv_nsec {
      throw TensorFileError(file: origin.displayName, problem: "changed on disk (rewritten) since it was opened")
    }
  }

  /// Maps `path` read-only (PROT_READ, MAP_PRIVATE). The file is never written.
  /// `displayName` is the name used in error messages.
  public static func mapping(path: String, displayName: String) throws(TensorFileError) -> ByteStorage {
    // O_NONBLOCK: opening a FIFO named like a model must not wait for a writer (fstat then rejects it).
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
      throw TensorFileError(file: displayName, problem: "cannot open: \(String(cString: strerror(errno)))")
    }
    // The descriptor stays open while the map lives: `checkUnchanged` fstats it.
    var keepsDescriptor = false
    defer { if !keepsDescriptor { close(fd) } }
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
    keepsDescriptor = true
    let origin = Origin(descriptor: fd, displayName: displayName, size: size, modified: Self.modificationTime(info))
    let bytes = UnsafeRawBufferPointer(start: base, count: size)
    return ByteStorage(
      bytes: bytes, isMemoryMapped: true, origin: origin,
      registration: MappedRanges.register(bytes, name: displayName),
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

  private static func modificationTime(_ info: stat) -> timespec {
    #if canImport(Darwin)
      info.st_mtimespec
    #else
      info.st_mtim
    #endif
  }

  /// `90112000` as `90,112,000`.
  private static func grouped(_ value: Int) -> String {
    var digits = Array(String(value.magnitude))
    var index = digits.count - 3
    while index > 0 {
      digits.insert(",", at: index)
      index -= 3
    }
    return (value < 0 ? "-" : "") + String(digits)
  }
}
