import ArgumentParser

struct FormatsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "formats", abstract: "(not implemented yet)")

  func run() async throws {
    throw WorkFailure("formats is not implemented yet")
  }
}
