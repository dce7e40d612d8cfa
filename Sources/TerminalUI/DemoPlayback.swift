import Explorer
import Foundation

/// Where a played key script's frames go: the presenter's terminal (`AnsiTerminal`) or an
/// asciicast recording (`AsciicastRecorder`).
public protocol DemoOutput {
  /// Time passes: a typing pause or a script's `wait`.
  mutating func pause(_ seconds: Double)
  /// Shows a whole frame; `clearing` erases the screen first (the first frame, after a resize).
  mutating func show(_ screen: Screen, clearing: Bool)
  /// The terminal changes size (the next frame has the new size).
  mutating func resize(to size: TerminalSize)
}

/// Plays a key script: each key is pressed after a typing pause and its frame shown once the
/// work it started has finished (`press` returns then), so a demo shows what `snapshot` prints.
public enum DemoPlayback {
  /// The pause before each key, as a person typing would leave.
  public static let keyPause = 0.35

  /// Plays `script` at `size` into `output`. `press` applies a key and waits for its work
  /// (false once the explorer quits); `screen` renders the current state at a size.
  public static func play(
    _ script: KeyScript, size: TerminalSize, to output: inout some DemoOutput, press: (Key) -> Bool,
    screen: (TerminalSize) -> Screen
  ) {
    var size = size
    output.show(screen(size), clearing: true)
    playback: for (_, step) in script.steps {
      switch step {
      case .keys(let keys):
        for key in keys {
          output.pause(keyPause)
          let running = press(key)
          output.show(screen(size), clearing: false)
          if !running { break playback }
        }
      case .wait(let seconds):
        output.pause(seconds)
      case .resize(let width, let height):
        output.pause(keyPause)
        size = TerminalSize(width: width, height: height)
        output.resize(to: size)
        output.show(screen(size), clearing: true)
      }
    }
    output.pause(keyPause)
  }
}

/// Records a played script as an asciicast: virtual time advances by each pause, so a
/// recording is the same every time it is made.
public struct AsciicastRecorder: DemoOutput {
  public private(set) var recording: Asciicast
  public let mode: ColorMode
  private var clock = 0.0

  public init(size: TerminalSize, title: String, timestamp: Int, mode: ColorMode) {
    recording = Asciicast(width: size.width, height: size.height, title: title, timestamp: timestamp)
    self.mode = mode
  }

  public mutating func pause(_ seconds: Double) { clock += seconds }

  public mutating func show(_ screen: Screen, clearing: Bool) {
    recording.output((clearing ? "\u{1B}[2J" : "") + screen.ansiFrame(mode: mode), at: clock)
  }

  public mutating func resize(to size: TerminalSize) {
    recording.resize(width: size.width, height: size.height, at: clock)
  }

  /// The recording's text, ending with the colours reset and the cursor shown.
  public var text: String {
    var finished = recording
    finished.output("\u{1B}[0m\u{1B}[?25h", at: clock)
    return finished.text
  }
}

extension AnsiTerminal: DemoOutput {
  public func pause(_ seconds: Double) { Thread.sleep(forTimeInterval: seconds) }
  public func show(_ screen: Screen, clearing: Bool) { draw(screen, clearing: clearing) }
  /// The presenter's terminal keeps its size; frames are drawn at the script's size.
  public func resize(to size: TerminalSize) {}
}
