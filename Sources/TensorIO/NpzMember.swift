import Foundation
import ZIPFoundation

/// Reads one `.npz` member (a zip entry, stored or deflated) into memory through ZIPFoundation.
enum NpzMember {
  /// Largest buffer reserved up front from a member's declared size, which a hostile archive
  /// may overstate; the buffer still grows to the true size.
  static let reserveLimit = 1 << 24

  static func read(_ entry: Entry, from archive: Archive, file: String) throws(TensorFileError) -> [UInt8] {
    let declared = entry.uncompressedSize
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(min(declared, UInt64(reserveLimit))))
    let checksum: CRC32
    do {
      checksum = try archive.extract(entry, skipCRC32: false) { chunk in
        // A member may not inflate past its declared size (zip bombs, lying headers).
        guard UInt64(bytes.count + chunk.count) <= declared else { throw MemberTooLarge() }
        bytes.append(contentsOf: chunk)
      }
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

  private struct MemberTooLarge: Error {}
}
