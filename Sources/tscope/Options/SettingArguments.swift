import ArgumentParser
import Kernels

// The domain's own setting types are the options' types: `--group` and `--scale` parse straight
// into Kernels' `GroupSize` and `ScaleMode`, and a bad value is the parser's one line, exit status 2.

extension GroupSize: ExpressibleByArgument {
  /// `tensor`, `channel` (or `0`), or a positive element count.
  public init?(argument: String) { self.init(parsing: argument) }

  public var defaultValueDescription: String { description }
}

extension ScaleMode: ExpressibleByArgument {}
