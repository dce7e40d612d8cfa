import ArgumentParser

struct DemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "demo", abstract: "(not implemented yet)")

  func run() async throws {
    throw WorkFailure("demo is not implemented yet")
  }
}
