#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The address ranges of the mapped model files with their display names, so that the SIGBUS
/// handler (TerminalUI's `TerminalFaultGuard`) can name the file a faulting read came from.
///
/// A fixed table allocated once and never freed. `ByteStorage.mapping` registers each map and
/// the storage's deinit retires it, under a mutex of its own (this module sits below `Parallel`,
/// whose `Locked` it cannot use; the handler never takes it). The handler only reads, with plain
/// loads: no lock, no allocation, no Swift runtime call. A slot is published by writing its base
/// and name first and its length last, in a second critical section (the unlock and lock order
/// the stores, on x86 and ARM alike), and retired by zeroing its length before anything else.
/// The slot of the faulting map itself cannot change during the fault: the reading thread holds
/// that map's storage, which registered it before any reader could get it.
public enum MappedRanges {
  /// Maps recorded at most at once; more are counted but not recorded (the handler then falls
  /// back to a line without a name when the address is in none of the recorded ones).
  public static let capacity = 256
  /// Bytes of a recorded name; a longer one keeps its end (`…/model-00003-of-00004.safetensors`).
  static let nameCapacity = 256

  /// Where a map was recorded: its slot, or nowhere because the table was full.
  enum Registration: Sendable {
    case slot(Int)
    case unrecorded
  }

  /// Allocates the table (a handler must not run a global's initialiser); called by the
  /// handler's installer and by the first registration.
  public static func prepare() { _ = table }

  /// Records the map `bytes` of the file shown as `name`.
  static func register(_ bytes: UnsafeRawBufferPointer, name: String) -> Registration {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return .unrecorded }
    let table = self.table
    let recorded = Array(shortened(name))
    let slot = table.withLock { () -> Int? in
      guard let free = (0..<capacity).first(where: { table.slots[$0].length == 0 && !table.slots[$0].isClaimed }) else {
        table.unrecorded.pointee += 1
        return nil
      }
      table.slots[free].isClaimed = true
      table.slots[free].base = UInt(bitPattern: base)
      table.slots[free].nameCount = recorded.count
      let name = table.names + free * nameCapacity
      for (offset, byte) in recorded.enumerated() { name[offset] = byte }
      return free
    }
    guard let slot else { return .unrecorded }
    // Published in a second critical section: a handler that sees the length sees the rest.
    table.withLock { table.slots[slot].length = bytes.count }
    return .slot(slot)
  }

  /// Forgets a map (before it is unmapped, so the handler never names a range that is gone).
  static func deregister(_ registration: Registration) {
    let table = self.table
    table.withLock {
      switch registration {
      case .slot(let slot):
        table.slots[slot].length = 0
        table.slots[slot].isClaimed = false
      case .unrecorded:
        table.unrecorded.pointee -= 1
      }
    }
  }

  /// For a signal handler: the name of the recorded map holding `address` (bytes inside the
  /// table, which stay valid while that map lives), or nil. No lock, no allocation.
  public static func name(containing address: UnsafeRawPointer?) -> UnsafeRawBufferPointer? {
    guard let address else { return nil }
    let target = UInt(bitPattern: address)
    let table = self.table
    for slot in 0..<capacity {
      let length = table.slots[slot].length
      guard length > 0 else { continue }
      let base = table.slots[slot].base
      if target >= base && target - base < UInt(length) {
        let count = min(max(table.slots[slot].nameCount, 0), nameCapacity)
        return UnsafeRawBufferPointer(start: table.names + slot * nameCapacity, count: count)
      }
    }
    return nil
  }

  /// For a signal handler: whether some live map is not in the table (it was full), so an
  /// address in no recorded range may still be in a model file.
  public static var hasUnrecordedMaps: Bool { table.unrecorded.pointee > 0 }

  /// `name`'s UTF-8, cut to `nameCapacity` bytes by keeping its end after `…` (on a character
  /// boundary), without control characters (a name is written raw to the terminal).
  static func shortened(_ name: String) -> [UInt8] {
    var bytes = name.utf8.map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }
    guard bytes.count > nameCapacity else { return bytes }
    let ellipsis: [UInt8] = [0xE2, 0x80, 0xA6]
    var start = bytes.count - (nameCapacity - ellipsis.count)
    while start < bytes.count && bytes[start] & 0xC0 == 0x80 { start += 1 }
    bytes = ellipsis + bytes[start...]
    return bytes
  }

  private struct Slot {
    var base: UInt = 0
    /// 0: free (or being written); otherwise the map's length, written last.
    var length = 0
    var nameCount = 0
    /// Taken by a registration (set before its length is published, cleared after it is retired).
    var isClaimed = false
  }

  /// The table's memory, allocated once and never freed.
  private struct Table: @unchecked Sendable {
    // @unchecked: every write happens under `lock`; the only unlocked reader is the SIGBUS
    // handler, whose reads are argued in `MappedRanges`' comment.
    let slots: UnsafeMutablePointer<Slot>
    let names: UnsafeMutablePointer<UInt8>
    let unrecorded: UnsafeMutablePointer<Int>
    let lock: UnsafeMutablePointer<pthread_mutex_t>

    init() {
      slots = .allocate(capacity: MappedRanges.capacity)
      slots.initialize(repeating: Slot(), count: MappedRanges.capacity)
      names = .allocate(capacity: MappedRanges.capacity * MappedRanges.nameCapacity)
      names.initialize(repeating: 0, count: MappedRanges.capacity * MappedRanges.nameCapacity)
      unrecorded = .allocate(capacity: 1)
      unrecorded.initialize(to: 0)
      lock = .allocate(capacity: 1)
      lock.initialize(to: pthread_mutex_t())
      pthread_mutex_init(lock, nil)
    }

    func withLock<Result>(_ body: () -> Result) -> Result {
      pthread_mutex_lock(lock)
      defer { pthread_mutex_unlock(lock) }
      return body()
    }
  }

  private static let table = Table()
}
