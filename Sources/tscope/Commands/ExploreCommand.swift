import ArgumentParser

struct ExploreCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "explore", abstract: "(not implemented yet)")

  func run() async throws {
    throw WorkFailure("explore is not implemented yet")
  }
}
