import Foundation
import Testing

@testable import TensorIO

/// Every file of the malformed corpus is refused with one `TensorFileError` line naming the file:
/// never a crash, a hang or a partial model.
@Suite struct MalformedCorpusTests {
  @Test func corpusHasAtLeastThirtyFilesOfEveryKind() {
    let files = MalformedCorpus.files()
    #expect(files.count >= 30)
    for kind in ["safetensors", "gguf", "npy", "npz"] {
      #expect(files.contains { $0.hasSuffix(".\(kind)") }, "no .\(kind) in the corpus")
    }
  }

  @Test(arguments: MalformedCorpus.all)
  func malformedFileIsRefusedWithOneLine(path: String) {
    do {
      let decoded = try openAndDecodeEverything(path)
      Issue.record("\(path) opened (\(decoded) elements decoded) but is malformed")
    } catch {
      #expect(error.description.contains(path))
      #expect(error.description.allSatisfy { !$0.isNewline })
    }
  }
}
