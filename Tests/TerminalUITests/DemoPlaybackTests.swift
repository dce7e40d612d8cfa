import Explorer
import Testing

@testable import TerminalUI

/// A key script played into an asciicast: frames after each key, virtual time from the pauses.
struct DemoPlaybackTests {
  @Test func aRecordingHasAFramePerKeyAtTheTypingPausesAndTheResizeBeforeItsFrame() throws {
    let script = try KeyScript.parse("keys jj\nwait 1.5\nresize 50x20\nkey q\nkey j\n")
    var recorder = AsciicastRecorder(
      size: TerminalSize(width: 40, height: 12), title: "t", timestamp: 0, mode: .mono)
    var pressed: [Key] = []
    var sizes: [TerminalSize] = []
    DemoPlayback.play(
      script, size: TerminalSize(width: 40, height: 12), to: &recorder,
      press: { key in
        pressed.append(key)
        return key != .character("q")  // the explorer quits on q: the last `key j` never plays
      },
      screen: { size in
        sizes.append(size)
        return Screen(width: size.width, height: size.height)
      })
    #expect(pressed == [.character("j"), .character("j"), .character("q")])
    #expect(sizes.map(\.width) == [40, 40, 40, 50, 50])
    let pause = DemoPlayback.keyPause
    let events = recorder.recording.events.map { ($0.time, $0.code) }
    let expected: [(Double, String)] = [
      (0, "o"), (pause, "o"), (2 * pause, "o"), (2 * pause + 1.5 + pause, "r"), (2 * pause + 1.5 + pause, "o"),
      (3 * pause + 1.5 + pause, "o"),
    ]
    #expect(events.count == expected.count)
    for (event, want) in zip(events, expected) {
      #expect(abs(event.0 - want.0) < 1e-9 && event.1 == want.1)
    }
    // The first frame and the frame after the resize clear the screen; the file ends the cast.
    #expect(recorder.recording.events[0].data.hasPrefix("\u{1B}[2J"))
    #expect(recorder.recording.events[4].data.hasPrefix("\u{1B}[2J"))
    #expect(!recorder.recording.events[1].data.hasPrefix("\u{1B}[2J"))
    #expect(recorder.text.hasSuffix("[\(4 * pause + 1.5 + pause),\"o\",\"\\u001b[0m\\u001b[?25h\"]\n"))
  }
}
