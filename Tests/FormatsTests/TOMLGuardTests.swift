import Testing

@testable import Formats

/// A table header that does not start with a key made toml++ abort the process (scripts/fuzz,
/// Tests/Corpus/regressions/codebook-toml); it is now one error line naming the line.
@Suite struct TOMLGuardTests {
  @Test(arguments: ["[=]", "[ {x]", "[", "[[ =]]", "[#]", "a = 1\n\n[\u{FFFD}a]", "\u{FEFF}[~"])
  func aHeaderWithoutAKeyIsAnErrorLine(header: String) {
    let text = header + "\nvalues = [0, 1]\n"
    #expect(throws: FormatError.self) { try CodebookFile.parse(text, file: "c.toml") }
    do {
      _ = try CodebookFile.parse(text, file: "c.toml")
    } catch {
      let line = header.split(separator: "\n", omittingEmptySubsequences: false).count
      #expect(error.description.contains("line \(line): \(TOMLGuard.headerProblem)"))
    }
    #expect(throws: FormatError.self) { try HardwareCostTable.parse(text, file: "costs.toml") }
  }

  @Test func bracketsInsideValuesAreNotHeaders() throws {
    let text = """
      # [= a comment]
      [mine]
      values = [
        -1, 0,
        1,
      ]
      name = \"\"\"
      [=]
      \"\"\"
      note = '[=]'
      [ "quoted key" ]
      values = [0, 1]
      ['literal']
      values = [0, 2]
      """
    #expect(TOMLGuard.firstProblem(in: text) == nil)
    let codebooks = try CodebookFile.parse(text, file: "c.toml")
    #expect(codebooks["mine"]?.values == [-1, 0, 1])
  }

  /// A multi-line string may close with four or five quotes; the guard once closed it at the first
  /// three and read the rest of the line as a string, so it missed the header after the array
  /// (CI's fuzzing, Tests/Corpus/regressions/codebook-toml).
  @Test(arguments: ["\"\"\"x\"\"\"\"", "\"\"\"x\"\"\"\"\"", "'''x''''", "'''x'''''"])
  func aStringClosedByFourOrFiveQuotesEndsThere(string: String) throws {
    let afterAnArray = "a = [\(string), 1]\n[=]\n"
    #expect(TOMLGuard.firstProblem(in: afterAnArray)?.line == 2)
    #expect(throws: FormatError.self) { try CodebookFile.parse(afterAnArray, file: "c.toml") }
    let quotesInside = string.count - 7  // all but the opening and closing three, and the x
    let valid = "[mine]\nname = \(string)\nvalues = [0, 1]\n"
    #expect(TOMLGuard.firstProblem(in: valid) == nil)
    let codebooks = try CodebookFile.parse(valid, file: "c.toml")
    #expect(codebooks["mine"]?.name == "x" + String(repeating: String(string.first!), count: quotesInside))
  }

  @Test func aBraceInsideAnArrayIsAnErrorLine() {
    let text = "[mine]\nvalues = [-1,\n -0.5, }}}0.38, 1.0]\n"
    #expect(TOMLGuard.firstProblem(in: text)?.line == 3)
    #expect(throws: FormatError.self) { try CodebookFile.parse(text, file: "c.toml") }
    #expect(TOMLGuard.firstProblem(in: "x = [{a = [1]}, {b = 2}]\ny = {c = [3]}\n") == nil)
  }

  /// toml++'s message can quote a line break of the file (Tests/Corpus/regressions/costs-toml).
  @Test func tomlErrorsStayOneLine() {
    #expect(throws: FormatError.self) { try HardwareCostTable.parse("replace = tr\npower = 1\n", file: "c.toml") }
    do {
      _ = try HardwareCostTable.parse("replace = tr\npow = 1\nsou= \"x= \"x\"\n", file: "c.toml")
    } catch {
      #expect(!error.description.contains { $0.isNewline }, "\(error.description.debugDescription)")
    }
    #expect(FormatError.oneLine("a\nb\r\u{0B}c") == "a\\u{a}b\\u{d}\\u{b}c")
  }
}
