import Testing

@testable import Explorer

@Test func keyScriptReadsEveryStepKind() throws {
  let script = try KeyScript.parse(
    """
    # a comment, then a blank line

    key j
    key enter
    keys jf<enter>
    type /mlp up
    wait 0.4
    resize 100x30
    """)
  #expect(script.steps.map(\.line) == [3, 4, 5, 6, 7, 8])
  #expect(
    script.steps.map(\.step) == [
      .keys([.character("j")]), .keys([.enter]), .keys([.character("j"), .character("f"), .enter]),
      .keys([
        .character("/"), .character("m"), .character("l"), .character("p"), .space, .character("u"), .character("p"),
      ]),
      .wait(0.4), .resize(width: 100, height: 30),
    ])
}

@Test func keyScriptErrorsNameTheLine() {
  let cases: [(String, Int, String)] = [
    ("key j\nhop 3", 2, "unknown step 'hop'"),
    ("key nosuchkey", 1, "unknown key"),
    ("\n\nkeys a<warp>", 3, "warp"),
    ("wait -1", 1, "wait"),
    ("wait soon", 1, "wait"),
    ("resize 5x5", 1, "resize"),
    ("resize 100by30", 1, "resize"),
  ]
  for (text, line, fragment) in cases {
    #expect(throws: KeyScriptError.self) { try KeyScript.parse(text) }
    do {
      _ = try KeyScript.parse(text)
    } catch {
      #expect(error.line == line)
      #expect(error.description.contains(fragment), "\(error.description)")
    }
  }
}

/// A control character or line break in a bad step is shown escaped: the error stays one line
/// (scripts/fuzz found a vertical tab printed raw; Tests/Corpus/regressions/key-script).
@Test func keyScriptErrorsStayOneLine() {
  for text in ["\u{0B}", "\n\u{0B}", "key \u{1B}[2J", "wait 1\u{2028}2"] {
    do {
      _ = try KeyScript.parse(text)
      Issue.record("\(text.debugDescription) parsed")
    } catch {
      #expect(!error.description.contains { $0.isNewline }, "\(error.description.debugDescription)")
      #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 })
    }
  }
}
