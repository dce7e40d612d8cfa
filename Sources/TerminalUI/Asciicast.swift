import Foundation

/// An asciicast v2 recording (the format asciinema plays): a header line, then one JSON array per
/// event — `[seconds, "o", text]` for output and `[seconds, "r", "COLSxROWS"]` for a resize.
public struct Asciicast: Sendable {
  public let width: Int
  public let height: Int
  public let title: String
  public let timestamp: Int
  public private(set) var events: [(time: Double, code: String, data: String)] = []

  public init(width: Int, height: Int, title: String, timestamp: Int) {
    self.width = width
    self.height = height
    self.title = title
    self.timestamp = timestamp
  }

  /// Appends output at `time` seconds (times never go backwards).
  public mutating func output(_ text: String, at time: Double) { append(time, "o", text) }

  /// Appends a resize at `time` seconds.
  public mutating func resize(width: Int, height: Int, at time: Double) { append(time, "r", "\(width)x\(height)") }

  private mutating func append(_ time: Double, _ code: String, _ data: String) {
    let monotonic = max(time, events.last?.time ?? 0)
    events.append(((monotonic * 1000).rounded() / 1000, code, data))
  }

  /// The file's text: newline-delimited JSON.
  public var text: String {
    let header: [String: Any] = [
      "version": 2, "width": width, "height": height, "timestamp": timestamp, "title": title,
      "env": ["TERM": "xterm-256color"],
    ]
    var lines = [Self.json(header)]
    for event in events { lines.append(Self.json([event.time, event.code, event.data])) }
    return lines.joined(separator: "\n") + "\n"
  }

  private static func json(_ object: Any) -> String {
    // Only plain numbers and strings go in, so serialization cannot fail.
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("[]".utf8)
    return String(decoding: data, as: UTF8.self)
  }
}

extension Screen {
  /// The whole screen as one terminal frame: every row drawn at its own cursor position, so it
  /// overwrites the previous frame without scrolling. What demos play and casts record.
  public func ansiFrame(mode: ColorMode) -> String {
    var output = "\u{1B}[?25l"
    for row in 0..<height { output += "\u{1B}[\(row + 1);1H" + ansiRow(row, mode: mode) }
    return output
  }
}
