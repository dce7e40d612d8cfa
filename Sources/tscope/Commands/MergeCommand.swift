import ArgumentParser
import Foundation
import Reporting

/// `tscope merge PART... --out FILE`: joins the `.json` parts of a sharded report (SPEC §2).
struct MergeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Join the .json parts of a sharded `tscope report` into one report.",
    discussion: """
      The parts must come from the same model and settings and hold every shard 1…N exactly once; the \
      result equals the unsharded report. --out may be .csv, .json or .md.
      """)

  @Argument(help: "The parts: .json files written by `tscope report --shard I/N --out PART.json`.")
  var parts: [String]

  @Option(help: "The merged report: FILE.csv, FILE.json or FILE.md.")
  var out: String

  func run() async throws {
    let destination = try ReportDestination(path: out)
    guard !parts.isEmpty else { throw UsageError("merge: give the .json parts to join") }
    let documents = try parts.map { path in (file: path, document: try Self.readPart(path)) }
    let merged: ReportDocument
    do {
      merged = try ReportMerge.merge(documents)
    } catch {
      throw UsageError(error.description)
    }
    let writer = try ReportFileWriter(destination: destination, extras: .of(merged.rows))
    try writer.stream(merged.rows)
    try writer.finish(merged)
    Console.writeOutput(ReportText.summaryTables(merged))
  }

  static func readPart(_ path: String) throws -> ReportDocument {
    guard path.lowercased().hasSuffix(".json") else {
      throw UsageError("\(path): merge reads the .json parts (write shards with --out PART.json)")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw UsageError("\(path): cannot read the file")
    }
    do {
      return try JSONDecoder().decode(ReportDocument.self, from: data)
    } catch {
      throw UsageError("\(path): not a tscope report part (\(Self.decodingProblem(error)))")
    }
  }

  static func decodingProblem(_ error: any Error) -> String {
    switch error as? DecodingError {
    case .keyNotFound(let key, _)?: "missing field '\(key.stringValue)'"
    case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
      "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
    case .dataCorrupted?: "invalid JSON"
    default: "unreadable"
    }
  }
}
