// The in-memory fuzz targets, one per parser. scripts/fuzz builds them into one libFuzzer binary
// (TSCOPE_FUZZ=1 declares it in Package.swift); FuzzRegressionTests replays every kept
// reproducer through the same functions in `swift test`.
import Explorer
import Formats
import Foundation
import TerminalUI

@testable import TensorIO

/// One parser's fuzz target: its name and the function that feeds it one input, in memory.
struct FuzzTarget: Sendable {
  let name: String
  /// Parses (and where it yields tensors, decodes in full) one input; refusing it is fine,
  /// crashing, hanging or a multi-line message is a finding.
  let run: @Sendable (UnsafeRawBufferPointer) -> Void
}

enum FuzzTargets {
  static let all: [FuzzTarget] = [
    FuzzTarget(name: "safetensors", run: safetensors),
    FuzzTarget(name: "safetensors-index", run: safetensorsIndex),
    FuzzTarget(name: "gguf", run: gguf),
    FuzzTarget(name: "ggml-blocks", run: blocks),
    FuzzTarget(name: "npy", run: npy),
    FuzzTarget(name: "npz", run: npz),
    FuzzTarget(name: "imatrix", run: imatrix),
    FuzzTarget(name: "quantization-config", run: quantizationConfig),
    FuzzTarget(name: "codebook-toml", run: codebookTOML),
    FuzzTarget(name: "costs-toml", run: costsTOML),
    FuzzTarget(name: "theme", run: theme),
    FuzzTarget(name: "key-script", run: keyScript),
  ]

  static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

  // MARK: Model files

  /// A `.safetensors` image: header, tensors, shipped weights (no config), every tensor decoded.
  static func safetensors(_ input: UnsafeRawBufferPointer) {
    refusing {
      let shard = try SafetensorsReader.parseShard(
        ByteStorage.owning(Array(input)), path: "fuzz.safetensors", fileLabel: "fuzz.safetensors")
      decodeAll(try ShippedWeights.assemble(shard.tensors, config: nil))
    }
  }

  /// A `model.safetensors.index.json`: the weight map and metadata.
  static func safetensorsIndex(_ input: UnsafeRawBufferPointer) {
    refusing { _ = try SafetensorsReader.parseIndex(input, path: "model.safetensors.index.json") }
  }

  /// A `.gguf` image: header, metadata, tensor infos, every tensor decoded.
  static func gguf(_ input: UnsafeRawBufferPointer) {
    refusing {
      let model = try GGUFReader.parse(ByteStorage.owning(Array(input)), path: "fuzz.gguf", fileName: "fuzz.gguf")
      decodeAll(model.tensors.indices.map(model.tensor(at:)))
    }
  }

  /// Every dtype whose tensors are decoded from their own bytes: the GGML block types, then the
  /// scalar ones.
  static let decodedTypes: [DType] =
    GGMLBlockType.allCases.map(DType.ggml) + [
      .f64, .f32, .f16, .bf16, .f8E4M3, .f8E5M2, .f8E8M0, .f4E2M1, .i8, .i16, .i32, .i64, .u8, .bool,
    ]

  /// A type byte (an index into `decodedTypes`), then blocks: the whole blocks are decoded in
  /// full, and again from the second element to the one before last (the partial-block path).
  static func blocks(_ input: UnsafeRawBufferPointer) {
    guard let typeByte = input.first else { return }
    let dtype = decodedTypes[Int(typeByte) % decodedTypes.count]
    guard let blockBytes = dtype.blockBytes else { return }
    let blocks = (input.count - 1) / blockBytes
    let storage = ByteStorage.owning(Array(input[1..<(1 + blocks * blockBytes)]))
    let info = TensorInfo(name: "blocks", dtype: dtype, shape: [blocks * dtype.blockElements], file: "fuzz")
    let tensor = Tensor(info: info, storage: storage, bytes: storage.bytes)
    var output = [Float](repeating: 0, count: tensor.count)
    output.withUnsafeMutableBufferPointer { tensor.decode(0..<tensor.count, into: $0) }
    if tensor.count > 2 {
      output.withUnsafeMutableBufferPointer { buffer in
        tensor.decode(
          1..<(tensor.count - 1), into: UnsafeMutableBufferPointer(rebasing: buffer[0..<(tensor.count - 2)]))
      }
    }
  }

  /// A `.npy` image: header, layout (Fortran order and big-endian rewritten), the tensor decoded.
  static func npy(_ input: UnsafeRawBufferPointer) {
    refusing {
      let tensor = try NumpyReader.tensor(
        named: "fuzz", in: ByteStorage.owning(Array(input)), file: "fuzz.npy", fileName: "fuzz.npy")
      decodeAll([tensor])
    }
  }

  /// A `.npz` image: the zip directory, every member inflated and decoded. ZIPFoundation's
  /// in-memory archive (`Archive(data:)`) traps on a member offset past the end where its
  /// file-backed one refuses, so the input goes through a file in /dev/shm (memory).
  static func npz(_ input: UnsafeRawBufferPointer) {
    let path = scratchFolder + "/tscope-fuzz-\(getpid()).npz"
    guard let file = fopen(path, "wb") else { fatalError("cannot write \(path)") }
    if let base = input.baseAddress { _ = fwrite(base, 1, input.count, file) }
    fclose(file)
    defer { unlink(path) }
    refusing {
      let model = try NumpyReader.openNpz(path)
      decodeAll(model.tensors.indices.map(model.tensor(at:)))
    }
  }

  private static let scratchFolder =
    FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()

  /// An importance matrix (GGUF or legacy `.dat`), then its first entries matched against
  /// tensors of a few shapes, as `--imatrix` does.
  static func imatrix(_ input: UnsafeRawBufferPointer) {
    refusing {
      let matrix = try ImportanceMatrix.read(ByteStorage.owning(Array(input)), path: "fuzz.imatrix")
      for (name, entry) in matrix.entries.sorted(by: { $0.key < $1.key }).prefix(8) {
        let columns = max(entry.columns ?? entry.meanSquares.count, 1)
        for shape in [[4, columns], [2, 3, columns], [columns], [3, 5]] {
          _ = try? matrix.weights(for: TensorInfo(name: name, dtype: .f32, shape: shape, file: "fuzz"))
        }
      }
    }
  }

  /// A quantized checkpoint: `config.json` (or `quantize_config.json`), a zero byte, then a
  /// `.safetensors` image whose shipped weights are assembled under that config and decoded.
  static func quantizationConfig(_ input: UnsafeRawBufferPointer) {
    refusing {
      let split = input.firstIndex(of: 0) ?? input.count
      let json = Data(input[0..<split])
      let config =
        try QuantizationConfig.fromConfigJSON(json, file: "config.json")
        ?? QuantizationConfig(
          file: "quantize_config.json", members: QuantizationConfig.object(json, file: "quantize_config.json"))
      let image = split < input.count ? Array(input[(split + 1)...]) : []
      let shard = try SafetensorsReader.parseShard(
        ByteStorage.owning(image), path: "model.safetensors", fileLabel: "model.safetensors")
      decodeAll(try ShippedWeights.assemble(shard.tensors, config: config))
    }
  }

  // MARK: Text files

  /// A `--codebook` TOML file.
  static func codebookTOML(_ input: UnsafeRawBufferPointer) {
    refusing { _ = try CodebookFile.parse(text(input), file: "codebooks.toml") }
  }

  /// A `--costs` TOML file.
  static func costsTOML(_ input: UnsafeRawBufferPointer) {
    refusing { _ = try HardwareCostTable.parse(text(input), file: "costs.toml") }
  }

  /// A theme, as tscope's TOML and as btop's `.theme`.
  static func theme(_ input: UnsafeRawBufferPointer) {
    let source = text(input)
    refusing { _ = try ThemeLoader.parseTOML(source, file: "fuzz.toml", fallbackName: "fuzz") }
    refusing { _ = try ThemeLoader.parseBtop(source, file: "fuzz.theme", name: "fuzz") }
  }

  /// A demo's key script.
  static func keyScript(_ input: UnsafeRawBufferPointer) {
    refusing { _ = try KeyScript.parse(text(input)) }
  }

  // MARK: Helpers

  private static func text(_ input: UnsafeRawBufferPointer) -> String { String(decoding: input, as: UTF8.self) }

  /// Runs `body`; a refusal is fine, but its message must be one line (SPEC §2).
  private static func refusing(_ body: () throws -> Void) {
    do {
      try body()
    } catch {
      let message = String(describing: error)
      precondition(!message.contains(where: \.isNewline), "multi-line error: \(message)")
    }
  }

  /// Decodes every analysable tensor in full, in chunks, as the analysing commands walk a model.
  private static func decodeAll(_ tensors: [Tensor]) {
    let chunk = 4096
    var buffer = [Float](repeating: 0, count: chunk)
    for tensor in tensors where tensor.info.dtype.isAnalysable {
      var start = 0
      while start < tensor.count {
        let end = min(start + chunk, tensor.count)
        buffer.withUnsafeMutableBufferPointer { output in
          tensor.decode(start..<end, into: UnsafeMutableBufferPointer(rebasing: output[0..<(end - start)]))
        }
        start = end
      }
    }
  }
}
