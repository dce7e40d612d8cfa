import Foundation
import Reporting

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
      format: "[%@] %3.0f%%  %@/%@  %@/s  ETA %@  %@", bar, fraction * 100, NumberText.decimalBytes(bytesDone),
      NumberText.decimalBytes(totalBytes), NumberText.decimalBytes(Int(rate)), NumberText.duration(eta), current ?? "")
    Console.writeError("\r\u{1B}[2K" + String(text.prefix(160)))
    drawn = true
  }

  func finish() {
    if drawn { Console.writeError("\r\u{1B}[2K") }
  }
}
