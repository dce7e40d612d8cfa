import ArgumentParser
import Fits
import Foundation
import Reporting
import TensorIO

/// `tscope fit MODEL [--layer REGEX] [--json]`: Student's t, normal and Laplace fits per tensor (SPEC §2, §5).
struct FitCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fit",
    abstract: "Fit Student's t, the normal and the Laplace distribution to each tensor.",
    discussion: """
      All three are maximum-likelihood fits: normal (mean, std), Laplace (median, mean absolute deviation) and \
      Student's t over ν, location and scale. loglik is the mean log-likelihood per finite element (natural log) \
      over all finite elements; ks is the Kolmogorov–Smirnov distance; best is the family with the highest loglik. \
      Tensors tscope does not analyse (I64, U8, BOOL, unknown types) are listed as such: in --json as an \
      object with null families and a "reason". --json prints one array: \
      {"name","count","finite_count","mean","std","t":{"nu","loc","scale","loglik","ks"},"normal":{"loc","scale",\
      "loglik","ks"},"laplace":{…},"best","fit_elements","ks_elements"}, a family that cannot be fitted being null \
      with a "reason".
      """)

  @Argument(help: "The model: .safetensors, a shard folder or *.index.json, .gguf, .npy or .npz.")
  var model: String

  @Option(help: "Only tensors whose name matches this regular expression (searched, not anchored).")
  var layer: String?

  @Flag(help: "Print a JSON array instead of the table.")
  var json = false

  @OptionGroup var rotate: RotationOption

  func run() async throws {
    let opened = try Model.open(model)
    let selected = try TensorSelection.matching(layer, in: opened, model: model)
    let analysable = selected.filter { opened.tensor(at: $0).info.dtype.isAnalysable }
    // Rotated tensors are owned Float32 copies, all held while the fits run.
    let reports = try await Self.fitAll(analysable.map { try rotate.apply(to: opened.tensor(at: $0)) })
    if json {
      // Every selected tensor has an object, in the model's order: one tscope cannot analyse says
      // why (its families null), so a script can tell a skipped tensor from a missing one.
      var fitted = reports.makeIterator()
      let objects = selected.map { position -> String in
        let info = opened.tensors[position]
        guard let reason = info.dtype.unanalysableReason else { return FitJSON.object(fitted.next()!) }
        return FitJSON.unanalysed(info, reason: reason)
      }
      Console.writeOutput(JSONText.array(objects) + "\n")
    } else {
      let skipped = selected.filter { !opened.tensor(at: $0).info.dtype.isAnalysable }.map { opened.tensors[$0] }
      Console.writeOutput(FitTable.render(reports, skipped: skipped))
    }
  }

  /// Fits tensors concurrently (one per core at a time; big ones also split their own passes),
  /// returning the reports in the model's order.
  static func fitAll(_ tensors: [Tensor]) async throws -> [FitReport] {
    let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
    return try await withThrowingTaskGroup(of: (Int, FitReport).self) { group in
      var reports = [FitReport?](repeating: nil, count: tensors.count)
      var next = 0
      func launch() {
        let index = next
        let tensor = tensors[index]
        group.addTask {
          try tensor.checkFileUnchanged()
          let report = try TensorFits.fit(tensor)
          // As `report` does: resident memory stays a few tensors', not the model's.
          tensor.releaseResidentPages()
          return (index, report)
        }
        next += 1
      }
      while next < min(width, tensors.count) { launch() }
      while let (index, report) = try await group.next() {
        reports[index] = report
        if next < tensors.count { launch() }
      }
      return reports.compactMap { $0 }
    }
  }
}

/// Which tensors `--layer REGEX` selects (all when absent), as positions in the model.
enum TensorSelection {
  static func matching(_ pattern: String?, in model: Model, model path: String) throws -> [Int] {
    guard let pattern else { return Array(model.tensors.indices) }
    let regex: Regex<AnyRegexOutput>
    do {
      regex = try Regex(pattern)
    } catch {
      throw UsageError("--layer \(pattern): not a valid regular expression")
    }
    let positions = model.tensors.indices.filter { model.tensors[$0].name.contains(regex) }
    guard !positions.isEmpty else { throw UsageError("\(path): no tensor name matches --layer \(pattern)") }
    return positions
  }
}
