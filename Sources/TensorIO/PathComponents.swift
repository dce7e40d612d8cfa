/// Path helpers for the readers, without Foundation.
enum PathComponents {
  /// The last component of `path` (`model.gguf` for `models/llama/model.gguf`): a tensor's `file`.
  static func fileName(of path: String) -> String {
    path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
  }
}
