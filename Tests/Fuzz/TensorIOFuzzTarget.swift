// libFuzzer entry point for every TensorIO parser and decoder (built by scripts/fuzz, not by
// SwiftPM). The first input byte picks the file type, the rest is the file: it is written to a
// scratch file, opened with `Model.open`, and every decodable tensor is decoded in full.
import Foundation

@testable import TensorIO

#if canImport(Glibc)
  import Glibc
#endif

/// File types by the input's first byte (scripts/fuzz prefixes each seed with its index).
let fuzzSuffixes = [".gguf", ".npy", ".npz", ".safetensors"]

private let scratchPath: String = {
  let folder = ProcessInfo.processInfo.environment["TSCOPE_FUZZ_WORK"] ?? NSTemporaryDirectory()
  return folder + "/tscope-libfuzzer-\(getpid())"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  let path = scratchPath + fuzzSuffixes[Int(data[0]) % fuzzSuffixes.count]
  guard let file = fopen(path, "wb") else { return 0 }
  if size > 1 { _ = fwrite(data + 1, 1, size - 1, file) }
  fclose(file)
  defer { unlink(path) }
  do {
    _ = try openAndDecodeEverything(path)
  } catch {
    // Refusing is fine; a message must stay one line.
    precondition(!error.description.contains(where: \.isNewline), "multi-line error: \(error)")
  }
  return 0
}
