import ArgumentParser

struct FitCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "fit", abstract: "(not implemented yet)")

  func run() async throws {
    throw WorkFailure("fit is not implemented yet")
  }
}
