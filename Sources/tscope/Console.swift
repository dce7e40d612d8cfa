#if canImport(Glibc)
  import Glibc
  private let systemWrite = Glibc.write
#elseif canImport(Darwin)
  import Darwin
  private let systemWrite = Darwin.write
#endif

/// Plain writes to the standard streams (unbuffered on stderr, so progress and errors interleave right).
enum Console {
  static func writeError(_ text: String) { write(text, to: 2) }
  static func writeOutput(_ text: String) { write(text, to: 1) }

  /// Whether a file descriptor is a terminal (progress bars and colour only then).
  static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

  private static func write(_ text: String, to descriptor: Int32) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
      if written <= 0 { return }
      bytes = bytes.dropFirst(written)
    }
  }
}
