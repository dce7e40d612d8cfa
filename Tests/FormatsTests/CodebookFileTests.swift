import Testing

@testable import Formats

/// User codebooks from TOML: the rules SPEC §3 lists, each a one-line error naming the file.
struct CodebookFileTests {
  private func problem(_ text: String) -> String? {
    do {
      _ = try CodebookFile.parse(text, file: "book.toml")
      return nil
    } catch {
      return error.description
    }
  }

  @Test func validFileGivesFileIDs() throws {
    let books = try CodebookFile.parse("[mine]\nname = \"Mine\"\nvalues = [-1, -0.5, 0, 0.5, 1]\n", file: "book.toml")
    let mine = try #require(books["mine"])
    #expect(mine.id == "file:mine" && mine.name == "Mine" && mine.bits == 3)
    #expect(mine.isSymmetricWithSingleZero)
    let plus = try FormatSpec.parse("file:mine+0.75", userCodebooks: books).resolved()
    #expect(plus.values == [-1, -0.5, 0, 0.5, 0.75, 1])
  }

  @Test func brokenRulesAreOneLineErrors() {
    #expect(problem("[a]\nvalues = [0, 2, 1]\n")?.contains("ascending") == true)
    #expect(problem("[a]\nvalues = [-1, 0, 0, 1]\n")?.contains("duplicate") == true)
    #expect(problem("[a]\nvalues = [1, 2]\n")?.contains("must contain 0") == true)
    let many = (-128...128).map(String.init).joined(separator: ", ")
    #expect(problem("[a]\nvalues = [\(many)]\n")?.contains("at most 256") == true)
    #expect(problem("[a]\nvalues = [-1, 0, 1]\nbits = 1\n")?.contains("do not fit") == true)
    #expect(problem("[a\n")?.hasPrefix("book.toml: line") == true)
    for message in [problem("[a]\nvalues = [0, 2, 1]\n"), problem("[a\n")] {
      #expect(message?.contains("\n") == false)
    }
  }
}
