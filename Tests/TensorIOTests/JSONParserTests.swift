import Testing

@testable import TensorIO

/// The header JSON parser: strict RFC 8259, key order kept, integers exact, hostile input bounded.
@Suite struct JSONParserTests {
  private func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
    let result = Array(text.utf8).withUnsafeBytes { buffer in
      Result { () throws(JSONSyntaxError) in try JSONParser.parse(buffer) }
    }
    return try result.get()
  }

  @Test func keepsObjectKeyOrderAndNumberText() throws {
    let value = try parse(#" {"z": 1, "a": [true, false, null], "m": -0.5e3} "#)
    guard case .object(let members) = value else {
      Issue.record("not an object")
      return
    }
    #expect(members.map(\.key) == ["z", "a", "m"])
    #expect(members[0].value.nonNegativeInteger == 1)
    #expect(members[1].value == .array([.bool(true), .bool(false), .null]))
    #expect(members[2].value == .number("-0.5e3"))
    #expect(members[2].value.nonNegativeInteger == nil)
  }

  @Test func decodesEscapesAndSurrogatePairs() throws {
    #expect(try parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\n\té😀"))
    #expect(try parse("\"tensör\"") == .string("tensör"))
  }

  @Test func readsLargeIntegersExactlyAndRefusesOverflow() throws {
    #expect(try parse("9223372036854775807").nonNegativeInteger == Int.max)
    #expect(try parse("9223372036854775808").nonNegativeInteger == nil)
    #expect(try parse("-1").nonNegativeInteger == nil)
  }

  @Test(arguments: [
    "", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "[1 2]", "01", "1.", "-", "tru", "\"\\x\"", "\"a\nb\"",
    "\"\\ud800\"", "{} {}", "{'a':1}", "\"unterminated",
  ])
  func rejectsMalformedText(_ text: String) {
    #expect(throws: JSONSyntaxError.self) { try parse(text) }
  }

  @Test func boundsNestingDepth() {
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(throws: JSONSyntaxError.self) { try parse(deep) }
    #expect((try? parse(String(repeating: "[", count: 60) + String(repeating: "]", count: 60))) != nil)
  }
}

extension JSONParserTests {
  @Test func validatesUTF8WithAndWithoutTheASCIIFastPath() {
    func valid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { JSONParser.isValidUTF8($0) } }
    #expect(valid(Array("plain ascii".utf8)))
    #expect(valid(Array("tensör 😀".utf8)))
    #expect(!valid([0x7B, 0xFF, 0x7D]))
    #expect(!valid([0xC3]))  // truncated sequence
    #expect(!valid([0xED, 0xA0, 0x80]))  // an encoded surrogate
  }
}
