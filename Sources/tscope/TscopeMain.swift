import ArgumentParser
import Foundation
import Kernels
import TensorIO
import TerminalUI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Entry point: parses, runs, and turns every error into one line on stderr with the
/// exit status SPEC §2 fixes (1 failure while working, 2 bad usage or bad input).
@main
enum TscopeMain {
  static func main() async {
    // OpenBLAS's threads would spin for the first 0.1 s on a core the first view needs.
    BLASThreads.stopSpinning()
    TerminalFaultGuard.installMappedReadHandler()
    do {
      // A forced kernel path (TSCOPE_KERNEL) the CPU lacks is refused before any work.
      try KernelPath.selectFromEnvironment(ProcessInfo.processInfo.environment)
    } catch {
      fail("\(KernelPath.environmentVariable): \(error)", status: 2)
    }
    do {
      var command = try Tscope.parseAsRoot()
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch let error as TensorFileError {
      fail(error.description, status: 2)
    } catch let error as UsageError {
      fail(error.description, status: 2)
    } catch let error as RotationError {
      fail(error.description, status: 2)
    } catch let error as WorkFailure {
      fail(error.description, status: 1)
    } catch {
      let code = Tscope.exitCode(for: error)
      if code == .success || error is CleanExit {
        Tscope.exit(withError: error)  // --help, --version
      }
      if code.rawValue == 1 && !(error is ValidationError) {
        Tscope.exit(withError: error)
      }
      // Argument parsing errors: the first line of the parser's message, then exit 2.
      let message = Tscope.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
      fail(message, status: 2)
    }
  }

  static func fail(_ message: String, status: Int32) -> Never {
    var line = message.hasPrefix("tscope") ? message : "tscope: \(message)"
    if line.hasPrefix("tscope: Error: ") { line = "tscope: " + line.dropFirst("tscope: Error: ".count) }
    Console.writeError(line + "\n")
    exit(status)
  }
}
