import ArgumentParser
import Foundation
import Reporting
import TensorIO

/// `tscope decode MODEL --tensor NAME` (hidden): the decoder's output, for cross-checks and timing.
///
/// Writes the tensor decoded to little-endian Float32 on stdout (refused on a terminal), so tests
/// can compare it with numpy; with `--bench` it times the chunked decode instead (JSON in the
/// shape of `tscope bench`, plus bytes per second of input).
struct DecodeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "decode",
    abstract: "Decode one tensor to raw little-endian Float32 on stdout (for cross-checks and timing).",
    shouldDisplay: false)

  @Argument(help: "The model file or folder.")
  var model: String

  @Option(help: "The tensor's exact name.")
  var tensor: String

  @Flag(help: "Time the decode (median of 9 runs after a warm-up) and print JSON instead of the values.")
  var bench = false

  func run() async throws {
    let opened = try Model.open(model)
    guard let found = opened.tensor(named: tensor) else {
      throw UsageError("\(model): no tensor named \"\(tensor)\"")
    }
    guard found.info.dtype.isAnalysable else {
      throw UsageError("\(model): \(tensor) is \(found.info.dtype), which tscope lists but does not decode")
    }
    try found.checkFileUnchanged()
    if bench {
      Console.writeOutput(benchmark(found) + "\n")
      return
    }
    guard !Console.isTerminal(1) else {
      throw UsageError("decode writes binary Float32; redirect stdout to a file or a pipe")
    }
    found.forEachDecodedChunk { chunk, _ in FileHandle.standardOutput.write(Data(buffer: chunk)) }
  }

  /// Decodes the whole tensor chunk by chunk into one reused buffer, as the kernel module does.
  private func benchmark(_ tensor: Tensor) -> String {
    var checksum: Float = 0
    func decodeAll() {
      tensor.forEachDecodedChunk { chunk, _ in checksum += chunk[0] }  // keeps the optimizer from dropping the work
    }
    decodeAll()
    let clock = ContinuousClock()
    var times: [Double] = []
    for _ in 0..<9 {
      let elapsed = clock.measure { decodeAll() }
      times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    let seconds = times.sorted()[times.count / 2]
    let elements = tensor.count
    return JSONText.object([
      ("what", JSONText.string("decode \(tensor.info.dtype)")),
      ("elements", String(elements)),
      ("seconds", String(seconds)),
      ("elements_per_s", String(Double(elements) / seconds)),
      ("input_bytes_per_s", String(Double(tensor.bytes.count) / seconds)),
      ("checksum", checksum.isFinite ? String(checksum) : "null"),
    ])
  }
}
