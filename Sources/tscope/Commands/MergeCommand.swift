import ArgumentParser

struct MergeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "merge", abstract: "(not implemented yet)")

  func run() async throws {
    throw WorkFailure("merge is not implemented yet")
  }
}
