import Explorer
import Testing

@testable import TerminalUI

/// The status line after a model file changed: the file's line and the key that reopens it.
struct ReopenStatusTests {
  @Test func aChangedFileOffersTheReopenKey() throws {
    var state = try GoldenScreenTests.state(after: "")
    state.fileProblem = "golden.safetensors: changed on disk (rewritten) since it was opened"
    #expect(
      StatusLine(state).content
        == .notice("golden.safetensors: changed on disk (rewritten) since it was opened; press R to reopen"))
    state.isReopening = true
    #expect(StatusLine(state).content == .notice("reopening golden.safetensors…"))
    // The help names the key.
    #expect(HelpOverlay.lines.contains { $0.keys.split(separator: " ").contains("R") && $0.action.contains("reopen") })
  }
}
