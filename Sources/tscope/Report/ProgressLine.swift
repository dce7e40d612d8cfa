import Foundation

/// A one-line progress bar with throughput and ETA on stderr, drawn only on a terminal
/// (a pipeline's logs get no control codes). Redraws at most ten times a second.
final class ProgressLine {
  private let totalBytes: Int
  private let enabled: Bool
  private let start = Date()
  private var lastDraw = Date.distantPast
  private var drawn = false

  init(totalBytes: Int, enabled: Bool) {
    self.totalBytes = totalBytes
    self.enabled = enabled
  }

  func update(bytesDone: Int, current: String?) {
    guard enabled, Date().timeIntervalSince(lastDraw) >= 0.1 || bytesDone >= totalBytes else { return }
    lastDraw = Date()
    let fraction = totalBytes > 0 ? min(Double(bytesDone) / Double(totalBytes), 1) : 1
    let elapsed = Date().timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(bytesDone) / elapsed : 0
    let eta = rate > 0 ? Double(totalBytes - bytesDone) / rate : 0
    let width = 24
    let filled = Int(fraction * Double(width))
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    let text = String(
      format: "[%@] %3.0f%%  %@/%@  %@/s  ETA %@  %@", bar, fraction * 100, Self.bytes(bytesDone),
      Self.bytes(totalBytes), Self.bytes(Int(rate)), Self.duration(eta), current ?? "")
    Console.writeError("\r\u{1B}[2K" + String(text.prefix(160)))
    drawn = true
  }

  func finish() {
    if drawn { Console.writeError("\r\u{1B}[2K") }
  }

  static func bytes(_ count: Int) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(count)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
  }

  static func duration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    return total >= 60 ? "\(total / 60)m\(String(format: "%02d", total % 60))s" : "\(total)s"
  }
}
