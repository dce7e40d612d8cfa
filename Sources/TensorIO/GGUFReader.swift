/// Reads GGUF v2/v3 files (ggml docs/gguf.md).
enum GGUFReader {
  static func open(_ path: String) throws(TensorFileError) -> Model {
    throw TensorFileError(file: path, problem: "GGUF reading is not implemented yet")
  }
}
