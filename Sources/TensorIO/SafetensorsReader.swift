/// Reads safetensors files (single and sharded). See huggingface/safetensors' format spec.
enum SafetensorsReader {
  static func openFile(_ path: String) throws(TensorFileError) -> Model {
    throw TensorFileError(file: path, problem: "safetensors reading is not implemented yet")
  }
  static func openIndex(_ path: String) throws(TensorFileError) -> Model {
    throw TensorFileError(file: path, problem: "sharded safetensors reading is not implemented yet")
  }
  static func openShardedFolder(_ path: String) throws(TensorFileError) -> Model {
    throw TensorFileError(file: path, problem: "sharded safetensors reading is not implemented yet")
  }
}
