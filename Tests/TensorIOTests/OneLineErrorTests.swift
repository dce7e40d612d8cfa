import Testing

@testable import TensorIO

/// Whatever a hostile file puts in a name, the error stays one short line (SPEC §2).
@Suite struct OneLineErrorTests {
  @Test func namesAreEscapedAndShortened() {
    let name = "evil\nname\r\u{1b}[31m" + String(repeating: "x", count: 10_000)
    let quoted = MessageText.quoted(name)
    #expect(quoted.hasPrefix(#""evil\nname\r\u{1b}[31m"#))
    #expect(quoted.hasSuffix("…\""))
    #expect(quoted.count < 100)
    #expect(quoted.allSatisfy { !$0.isNewline })
  }

  @Test func everyLineBreakPythonKnowsIsEscapedInTheMessage() {
    // The separators Python's str.splitlines() splits on (the CLI tests count lines with it).
    let breaks = [
      "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{1C}", "\u{1D}", "\u{1E}", "\u{85}", "\u{2028}", "\u{2029}",
    ]
    for separator in breaks {
      let error = TensorFileError(file: "a\(separator)b.gguf", problem: "tensor x\(separator)y is bad")
      #expect(
        !error.description.unicodeScalars.contains {
          [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029].contains($0.value)
        })
    }
    #expect(TensorFileError(file: "m.gguf", problem: "plain").description == "m.gguf: plain")
  }
}
