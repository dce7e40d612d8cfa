import Foundation

/// Runs a Python snippet with scipy at test time and decodes its JSON answer: the reference values
/// come from scipy itself, never from our own code.
enum ScipyReference {
  /// Whether `python3 -c "import scipy"` works here (scripts/setup installs it).
  static let isAvailable: Bool = (try? run("import scipy; print('[]')", input: "[]")) != nil

  /// Feeds `input` (JSON) to `script` on stdin and parses stdout as `[Double?]` (null = NaN/inf).
  static func run(_ script: String, input: String) throws -> [Double?] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let data = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    return try JSONDecoder().decode([Double?].self, from: data)
  }

  /// JSON for a list of number tuples, with full round-trip precision.
  static func encode(_ rows: [[Double]]) -> String {
    "[" + rows.map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
  }
}
