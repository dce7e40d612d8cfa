import ArgumentParser

struct LayersCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "layers", abstract: "(not implemented yet)")

  func run() async throws {
    throw WorkFailure("layers is not implemented yet")
  }
}
