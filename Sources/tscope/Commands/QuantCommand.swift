import ArgumentParser

struct QuantCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "quant", abstract: "(not implemented yet)")

  func run() async throws {
    throw WorkFailure("quant is not implemented yet")
  }
}
