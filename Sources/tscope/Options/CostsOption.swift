import ArgumentParser
import Formats
import Reporting

/// `--costs FILE`: the hardware-costs table a command uses (the paper's, extended by the file).
enum CostsOption {
  static func load(_ path: String?) throws -> HardwareCostTable {
    do {
      return try HardwareCostTable.load(path: path)
    } catch {
      throw UsageError(error.description)
    }
  }
}

extension ParetoCost: ExpressibleByArgument {}
extension ParetoQuality: ExpressibleByArgument {}
