import Foundation
import ZIPFoundation

/// Reads NumPy `.npy` (format versions 1–3) and `.npz` archives (zips of `.npy` members,
/// stored or deflated, as `np.savez` and `np.savez_compressed` write them).
///
/// A C-order little-endian `.npy` is mapped and used in place. Fortran-order or big-endian
/// data is rewritten once into an owned C-order little-endian buffer, because every tensor's
/// bytes are C order and little-endian. `.npz` members are inflated into owned buffers.
enum NumpyReader {
  static func openNpy(_ path: String) throws(TensorFileError) -> Model {
    let storage = try ByteStorage.mapping(path: path, displayName: path)
    let fileName = PathComponents.fileName(of: path)
    let name = fileName.lowercased().hasSuffix(".npy") ? String(fileName.dropLast(4)) : fileName
    let tensor = try tensor(named: name, in: storage, file: path, fileName: fileName)
    return Model(path: path, tensors: [tensor], metadata: [:])
  }

  static func openNpz(_ path: String) throws(TensorFileError) -> Model {
    let fileName = PathComponents.fileName(of: path)
    let archive: Archive
    do {
      archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    } catch {
      throw TensorFileError(file: path, problem: "not a readable .npz (zip) archive")
    }
    let archiveSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
    var tensors: [Tensor] = []
    var names: Set<String> = []
    for entry in archive where entry.type == .file {
      let memberName = entry.path
      let name = memberName.lowercased().hasSuffix(".npy") ? String(memberName.dropLast(4)) : memberName
      guard names.insert(name).inserted else {
        throw TensorFileError(file: path, problem: "two members hold the array \(MessageText.quoted(name))")
      }
      let member = try NpzMember.read(entry, from: archive, archiveSize: archiveSize, file: path)
      let storage = ByteStorage.owning(member)
      tensors.append(
        try tensor(
          named: name, in: storage, file: "\(path) member \(MessageText.quoted(memberName))", fileName: fileName))
    }
    return Model(path: path, tensors: tensors, metadata: [:])
  }

  /// The tensor held by the `.npy` image in `storage`, in place when its layout allows.
  static func tensor(named name: String, in storage: ByteStorage, file: String, fileName: String)
    throws(TensorFileError) -> Tensor
  {
    let header = try NpyHeader.parse(storage.bytes, file: file)
    let element = try NumpyElementType(descr: header.descr, file: file)
    guard let count = ShapeArithmetic.elementCount(header.shape) else {
      throw TensorFileError(file: file, problem: "shape \(header.shape) overflows")
    }
    let (byteCount, overflow) = count.multipliedReportingOverflow(by: element.itemSize)
    guard !overflow else { throw TensorFileError(file: file, problem: "data size of shape \(header.shape) overflows") }
    let available = storage.bytes.count - header.dataOffset
    guard byteCount <= available else {
      throw TensorFileError(
        file: file,
        problem:
          "truncated: shape \(header.shape) of \(MessageText.escaped(header.descr)) needs \(byteCount) data bytes, "
          + "the file holds \(available)")
    }
    let info = TensorInfo(name: name, dtype: element.dtype, shape: header.shape, file: fileName)
    // In bounds: dataOffset <= storage.bytes.count (the header parser read up to it) and
    // dataOffset + byteCount <= storage.bytes.count was checked above.
    let data = UnsafeRawBufferPointer(rebasing: storage.bytes[header.dataOffset..<(header.dataOffset + byteCount)])
    let needsReorder = header.fortranOrder && header.shape.count > 1
    guard needsReorder || element.isBigEndian else {
      return Tensor(info: info, storage: storage, bytes: data)
    }
    let converted = NumpyLayout.cOrderLittleEndian(
      data, shape: header.shape, element: element, fortranOrder: needsReorder)
    let owned = ByteStorage.owning(converted)
    return Tensor(info: info, storage: owned, bytes: owned.bytes)
  }
}
