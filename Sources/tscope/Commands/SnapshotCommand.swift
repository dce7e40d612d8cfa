import ArgumentParser

struct SnapshotCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "snapshot", abstract: "(not implemented yet)")

  func run() async throws {
    throw WorkFailure("snapshot is not implemented yet")
  }
}
