import ArgumentParser
import Kernels
import TensorIO

/// `--rotate none|hadamard:B|hadamard:row|rht:B|rht:row` for `quant`, `report` and `fit`.
struct RotationOption: ParsableArguments {
  @Option(
    name: .customLong("rotate"),
    help: ArgumentHelp(
      "Rotate every row first: an orthonormal Walsh–Hadamard transform over blocks of B (a power of two "
        + "dividing the row) or the whole row; rht adds fixed random ±1 signs first.",
      valueName: "none|hadamard:B|hadamard:row|rht:B|rht:row"))
  var rotation: Rotation = .none

  /// `tensor` rotated (itself for `none`); a rotation that does not fit its rows is one line, exit 2.
  func apply(to tensor: Tensor) throws -> Tensor {
    do {
      return try rotation.apply(to: tensor)
    } catch {
      throw UsageError(error.description)
    }
  }
}

extension Rotation: ExpressibleByArgument {
  public init?(argument: String) { self.init(parsing: argument) }

  public var defaultValueDescription: String { description }
}
