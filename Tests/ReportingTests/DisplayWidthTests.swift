import Testing

@testable import Reporting

/// Display widths against the published ones: Unicode's EastAsianWidth.txt (W and F take two
/// columns) and the general categories Mn, Me and Cf (no column), as `wcwidth` reports them.
struct DisplayWidthTests {
  @Test func publishedWidthsOfSingleCharacters() {
    let cases: [(Character, Int, String)] = [
      ("a", 1, "ASCII"), ("é", 1, "precomposed e acute (EAW A)"), ("e\u{301}", 1, "e + combining acute"),
      ("日", 2, "CJK ideograph U+65E5 (W)"), ("한", 2, "Hangul syllable U+D55C (W)"), ("ア", 2, "katakana (W)"),
      ("Ａ", 2, "fullwidth A U+FF21 (F)"), ("ｱ", 1, "halfwidth katakana U+FF71 (H)"),
      ("\u{301}", 0, "lone combining acute (Mn)"), ("\u{20DD}", 0, "combining enclosing circle (Me)"),
      ("\u{200D}", 0, "zero-width joiner (Cf)"), ("\u{FE0F}", 0, "variation selector 16 (Mn)"),
      ("\u{200B}", 0, "zero-width space (Cf)"), ("😀", 2, "emoji U+1F600 (W)"), ("ν", 1, "Greek nu (A)"),
      ("…", 1, "ellipsis (A)"), ("─", 1, "box drawing (A)"), ("\u{2800}", 1, "braille blank (N)"),
      ("\u{20000}", 2, "CJK extension B (W)"), ("\t", 0, "control"),
    ]
    for (character, width, what) in cases {
      #expect(DisplayWidth.of(character) == width, "\(what)")
    }
  }

  @Test func stringsSumTheirCharacters() {
    #expect(DisplayWidth.of("日本語") == 6)
    #expect(DisplayWidth.of("cafe\u{301}.weight") == 11)
    #expect(DisplayWidth.of("层.0.权重") == 9)
    #expect(DisplayWidth.of("") == 0)
  }

  @Test func fitCutsByColumnsAndNeverSplitsAWideCharacter() {
    #expect(DisplayWidth.fit("日本語テンソル", 7) == "日本語…")
    // Six columns: three wide characters would take 6 with no room for the mark, so two and a gap.
    #expect(DisplayWidth.fit("日本語テンソル", 6) == "日本…")
    #expect(DisplayWidth.of(DisplayWidth.fit("日本語テンソル", 6)) == 5)
    #expect(DisplayWidth.fit("cafe\u{301}s", 5) == "cafe\u{301}s")
    #expect(DisplayWidth.fit("cafe\u{301}s", 4) == "caf…")
    #expect(DisplayWidth.prefix("a日b", 2) == "a")
    #expect(DisplayWidth.padded("日本", 6) == "日本  ")
    #expect(DisplayWidth.cell("日本語", 6) == "日本  ")
  }

  @Test func tableColumnsAlignByDisplayWidth() {
    let lines = TextTable.lines(
      [["name", "params"], ["模型.权重", "12"], ["cafe\u{301}", "3"], ["plain", "100"]], rightAligned: [1])
    // Every row ends in the same column: the widths say so, not the character counts.
    #expect(Set(lines.map { DisplayWidth.of($0) }).count == 1, "\(lines)")
    #expect(lines[1] == "模型.权重" + String(repeating: " ", count: 6) + "12")
    #expect(lines[2] == "cafe\u{301}" + String(repeating: " ", count: 12) + "3")
  }
}
