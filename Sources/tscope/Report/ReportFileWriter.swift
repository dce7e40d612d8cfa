import Foundation
import Reporting

/// Writes a report file: into a temporary file beside the target, renamed over it only when
/// complete, so a failed or interrupted run never leaves a half report under the real name.
/// CSV rows are streamed as tensors finish (a pipeline can watch the temporary file grow).
final class ReportFileWriter {
  let destination: ReportDestination
  private let temporaryPath: String
  private let handle: FileHandle

  init(destination: ReportDestination, extras: ReportExtras = []) throws {
    self.destination = destination
    let url = URL(fileURLWithPath: destination.path)
    temporaryPath =
      url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)").path
    guard FileManager.default.createFile(atPath: temporaryPath, contents: nil),
      let handle = FileHandle(forWritingAtPath: temporaryPath)
    else {
      throw UsageError("\(destination.path): cannot write here")
    }
    self.handle = handle
    if destination.kind == .csv { try write(ReportText.csvHeader(extras: extras)) }
  }

  func stream(_ rows: [ReportRow]) throws {
    guard destination.kind == .csv, !rows.isEmpty else { return }
    try write(rows.map(ReportText.csvLine).joined())
  }

  func finish(_ document: ReportDocument) throws {
    switch destination.kind {
    case .csv: break
    case .json: try handle.write(contentsOf: try document.jsonData() + Data("\n".utf8))
    case .markdown: try write(ReportText.markdown(document))
    }
    try handle.close()
    guard rename(temporaryPath, destination.path) == 0 else {
      abandon()
      throw WorkFailure("\(destination.path): cannot move the finished report into place")
    }
  }

  /// Removes the temporary file (after a failure).
  func abandon() {
    try? handle.close()
    unlink(temporaryPath)
  }

  private func write(_ text: String) throws {
    do {
      try handle.write(contentsOf: Data(text.utf8))
    } catch {
      throw WorkFailure("\(destination.path): write failed (\(error.localizedDescription))")
    }
  }
}
