import ArgumentParser

/// `tscope bench kernel|read|sweep|fit|toggle`: times one piece of work (SPEC §2). Each subcommand lives in
/// its own file (`Bench<Name>Command.swift`) and prints `{"what","elements","seconds","elements_per_s"}`.
struct BenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time the kernel, a plain read, a many-format sweep, the fit, or toggle-to-table on one tensor.",
    subcommands: [
      BenchKernelCommand.self, BenchReadCommand.self, BenchSweepCommand.self, BenchFitCommand.self,
      BenchToggleCommand.self, BenchOverviewCommand.self, BenchOpenCommand.self,
    ]
  )
}
