import Foundation
import Testing

/// Every reproducer scripts/fuzz kept (Tests/Corpus/regressions/TARGET/HASH) runs through its
/// target for ever: it must neither crash nor hang.
@Suite struct FuzzRegressionTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../Corpus/regressions").standardized

  /// `TARGET/FILE` for every file in a folder named after a target.
  static var reproducers: [String] {
    FuzzTargets.all.flatMap { target in
      let directory = folder.appendingPathComponent(target.name)
      let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
      return names.sorted().map { "\(target.name)/\($0)" }
    }
  }

  @Test func everyRegressionFolderNamesATarget() throws {
    for name in try FileManager.default.contentsOfDirectory(atPath: Self.folder.path) {
      var isFolder: ObjCBool = false
      let path = Self.folder.appendingPathComponent(name).path
      if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
        #expect(FuzzTargets.named(name) != nil, "regressions/\(name) is not a fuzz target")
      }
    }
  }

  @Test(arguments: reproducers)
  func reproducerRunsThroughItsTarget(relativePath: String) throws {
    let target = try #require(FuzzTargets.named(String(relativePath.split(separator: "/")[0])))
    let bytes = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent(relativePath)))
    bytes.withUnsafeBytes { target.run($0) }
  }

  @Test func everyTargetTakesEmptyAndTinyInputs() {
    for target in FuzzTargets.all {
      for input: [UInt8] in [[], [0], [0xFF, 0xFF, 0xFF], Array("GGUF".utf8)] {
        input.withUnsafeBytes { target.run($0) }
      }
    }
  }
}
