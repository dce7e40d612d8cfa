import ArgumentParser

struct ReportCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "report", abstract: "(not implemented yet)")

  func run() async throws {
    throw WorkFailure("report is not implemented yet")
  }
}
