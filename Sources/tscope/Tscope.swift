import ArgumentParser

/// The root command. `tscope [MODEL]` is `tscope explore [MODEL]`.
struct Tscope: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tscope",
    abstract: "A terminal explorer for the number formats of quantized LLMs.",
    version: Tscope.version,
    subcommands: [
      ExploreCommand.self, LayersCommand.self, FormatsCommand.self, FitCommand.self,
      QuantCommand.self, ReportCommand.self, MergeCommand.self, DiffCommand.self, SnapshotCommand.self,
      DemoCommand.self, BenchCommand.self, DecodeCommand.self,
    ],
    defaultSubcommand: ExploreCommand.self
  )

  /// `tscope --version` (semantic versioning; raised with each released wave).
  static let version = "0.2.0"
}
