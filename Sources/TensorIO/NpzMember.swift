import Foundation
import ZIPFoundation

/// Reads one `.npz` member (a zip entry, stored or deflated) into memory through ZIPFoundation.
enum NpzMember {
  /// Largest buffer reserved up front from a member's declared size, which a hostile archive
  /// may overstate; the buffer still grows to the true size.
  static let reserveLimit = 1 << 24

  static func read(_ entry: Entry, from archive: Archive, archiveSize: UInt64, file: String) throws(TensorFileError)
    -> [UInt8]
  {
    let declared = entry.uncompressedSize
    // ZIPFoundation walks a stored member by its declared size, chunk by chunk, even past the end
    // of the file (reading nothing): a lying header would spin for ages. Sizes are checked first.
    guard entry.compressedSize <= archiveSize, entry.isCompressed || declared == entry.compressedSize else {
      throw TensorFileError(
        file: file,
        problem:
          "member \(MessageText.quoted(entry.path)) claims \(entry.compressedSize) stored bytes (\(declared) unpacked), more than the archive can hold"
      )
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(min(declared, UInt64(reserveLimit))))
    let checksum: CRC32
    do {
      checksum = try Self.extractWithDeadline(entry, declaredSize: declared, file: file) {
        try archive.extract(entry, skipCRC32: false, consumer: $0)
      } consumer: { chunk in
        // A member may not inflate past its declared size (zip bombs, lying headers).
        guard UInt64(bytes.count + chunk.count) <= declared else { throw MemberTooLarge() }
        // A stored member's chunks are the file's bytes: an empty one means the data stops short.
        guard entry.isCompressed || !chunk.isEmpty else { throw MemberTruncated() }
        bytes.append(contentsOf: chunk)
      }
    } catch is MemberNeverEnds {
      throw TensorFileError(
        file: file,
        problem:
          "member \(MessageText.quoted(entry.path)) has a deflate stream that does not end (truncated or corrupt)")
    } catch is MemberTruncated {
      throw TensorFileError(
        file: file, problem: "member \(MessageText.quoted(entry.path)) ends before its declared size \(declared)")
    } catch is MemberTooLarge {
      throw TensorFileError(
        file: file, problem: "member \(MessageText.quoted(entry.path)) inflates past its declared size \(declared)")
    } catch Archive.ArchiveError.invalidCompressionMethod {
      throw TensorFileError(
        file: file,
        problem: "member \(MessageText.quoted(entry.path)) uses a compression method other than stored or deflated")
    } catch {
      throw TensorFileError(file: file, problem: "cannot read member \(MessageText.quoted(entry.path)): \(error)")
    }
    guard UInt64(bytes.count) == declared else {
      throw TensorFileError(
        file: file,
        problem: "member \(MessageText.quoted(entry.path)) holds \(bytes.count) bytes, its header says \(declared)")
    }
    guard checksum == entry.checksum else {
      throw TensorFileError(
        file: file, problem: "member \(MessageText.quoted(entry.path)) fails its CRC-32 check (corrupted archive)")
    }
    return bytes
  }

  /// ZIPFoundation inflates until the deflate stream ends, reading the file on past the member and
  /// then empty chunks at its end for ever: a deflate stream that never ends (a truncated or forged
  /// archive) would hang. So a deflated member is inflated on its own thread with a deadline
  /// generous for its declared size (50 MB/s and 1 s more); past it the member is refused. The
  /// stuck thread cannot be stopped from outside and spins until the process exits; the commands
  /// that open models exit right after such an error.
  static func extractWithDeadline(
    _ entry: Entry, declaredSize: UInt64, file: String,
    extract: @escaping (@escaping (Data) throws -> Void) throws -> CRC32,
    consumer: @escaping (Data) throws -> Void
  ) throws -> CRC32 {
    guard entry.isCompressed else { return try extract(consumer) }
    let outcome = ExtractionOutcome()
    let work = ExtractionWork(extract: extract, consumer: consumer)
    Thread {
      outcome.finish(Result { try work.extract(work.consumer) })
    }.start()
    let seconds = 1 + Double(declaredSize) / 50e6
    guard let result = outcome.wait(seconds: seconds) else { throw MemberNeverEnds() }
    return try result.get()
  }

  private struct MemberTooLarge: Error {}
  private struct MemberNeverEnds: Error {}
  private struct MemberTruncated: Error {}
}

/// The result of an extraction running on another thread, handed over once.
private final class ExtractionOutcome: @unchecked Sendable {
  // @unchecked: `result` is written once before `done` is signalled and read only after waiting.
  private var result: Result<CRC32, any Error>?
  private let done = DispatchSemaphore(value: 0)

  func finish(_ result: Result<CRC32, any Error>) {
    self.result = result
    done.signal()
  }

  func wait(seconds: Double) -> Result<CRC32, any Error>? {
    done.wait(timeout: .now() + seconds) == .success ? result : nil
  }
}

/// The extraction and its consumer, handed to the extracting thread. @unchecked: while it runs the
/// caller only waits; after a deadline the caller throws and never touches the archive or the
/// collected bytes again.
private final class ExtractionWork: @unchecked Sendable {
  let extract: (@escaping (Data) throws -> Void) throws -> CRC32
  let consumer: (Data) throws -> Void

  init(extract: @escaping (@escaping (Data) throws -> Void) throws -> CRC32, consumer: @escaping (Data) throws -> Void)
  {
    self.extract = extract
    self.consumer = consumer
  }
}
