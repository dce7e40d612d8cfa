/// Reads NumPy `.npy` (versions 1–3) and `.npz` archives.
enum NumpyReader {
  static func openNpy(_ path: String) throws(TensorFileError) -> Model {
    throw TensorFileError(file: path, problem: ".npy reading is not implemented yet")
  }
  static func openNpz(_ path: String) throws(TensorFileError) -> Model {
    throw TensorFileError(file: path, problem: ".npz reading is not implemented yet")
  }
}
