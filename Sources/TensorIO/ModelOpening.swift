#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Model {
  /// Opens a model by path: a `.safetensors` file, a folder or `*.index.json` of sharded
  /// safetensors, a `.gguf`, a `.npy` or a `.npz` (SPEC §2). Only headers are read here.
  public static func open(_ path: String) throws(TensorFileError) -> Model {
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw TensorFileError(file: path, problem: "no such file or folder")
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      return try SafetensorsReader.openShardedFolder(path)
    }
    let lower = path.lowercased()
    if lower.hasSuffix(".index.json") { return try SafetensorsReader.openIndex(path) }
    if lower.hasSuffix(".safetensors") { return try SafetensorsReader.openFile(path) }
    if lower.hasSuffix(".gguf") { return try GGUFReader.open(path) }
    if lower.hasSuffix(".npy") { return try NumpyReader.openNpy(path) }
    if lower.hasSuffix(".npz") { return try NumpyReader.openNpz(path) }
    throw TensorFileError(
      file: path,
      problem: "unknown model file type (expected .safetensors, a shard folder or *.index.json, .gguf, .npy or .npz)")
  }
}
