import ArgumentParser
import Explorer
import Fits
import Formats
import Foundation
import Kernels
import TensorIO

/// `tscope bench overview MODEL`: how fast the explorer's model overview fills in, against a
/// plain read of the same bytes and a direct multi-format pass over the model in the same run.
struct BenchOverviewCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "overview",
    abstract: "Time the model overview: every tensor's estimate, then every exact value.",
    discussion: """
      Opens the model as the explorer does, lets the first tensor's load, fit and kernel runs finish, \
      presses v, and times until every tensor × format of the \
      default selection (INT4, NF4, SF4(fit), E2M1) has its sampled estimate, and until every value is \
      exact. References measured in the same run, page cache as the overview left it: a plain read of \
      every analysable tensor (a vectorized sum on all cores) and the direct path, a sampled fit plus one \
      multi-format kernel pass per tensor (what the overview's exact step runs).
      """)

  @Argument(help: "The model (a sharded folder, *.index.json, .safetensors or .gguf).")
  var model: String

  @Flag(help: "Print JSON.")
  var json = false

  @Flag(help: "Stop once every estimate shows (no exact values, no direct pass).")
  var estimatesOnly = false

  func run() throws {
    let opened = try ModelLocator.open(model).model
    let session = Session(model: opened, modelName: "bench")
    let clock = ContinuousClock()
    // The explorer open on its first tensor, that tensor's work done: then the user presses v.
    session.send(.start)
    session.settle()
    let started = clock.now
    session.send(.key(.character("v")))
    var estimates: Duration?
    while session.state.overviewRequest != nil {
      session.absorbNextResults(until: Date().addingTimeInterval(1))
      if estimates == nil, session.state.overviewProgress.missing == 0 {
        estimates = clock.now - started
        if estimatesOnly { break }
      }
    }
    let exact = clock.now - started
    let estimated = estimates ?? exact
    let seconds = { (duration: Duration) in
      Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
    if estimatesOnly {
      // The exact passes are still running: no reference would be measured on quiet cores.
      let cells = session.state.overviewProgress.cells
      Console.writeOutput(
        json
          ? "{\"cells\": \(cells), \"estimates_s\": \(seconds(estimated))}\n"
          : "every estimate (\(cells) cells) after \(String(format: "%.2f", seconds(estimated))) s\n")
      return
    }
    let state = session.state
    let formats = state.selectedFormats.map(state.spec)
    let analysable = state.tensors.filter { $0.unanalysableReason == nil }.map(\.index)
    let bytes = analysable.reduce(0) { $0 + opened.tensors[$1].byteCount }
    let elements = analysable.reduce(0) { $0 + opened.tensors[$1].count }

    let readStarted = clock.now
    for index in analysable { _ = try ReadBaseline.sum(opened.tensor(at: index)) }
    let read = clock.now - readStarted

    let directStarted = clock.now
    for index in analysable {
      let tensor = opened.tensor(at: index)
      let nu = try TensorFits.sampledFit(tensor).t?.nu
      let resolved = formats.compactMap { spec in
        try? Quantizer.resolve(spec, for: tensor, fittedNu: spec.needsFittedNu ? nu : nil, settings: state.settings)
      }
      _ = try Quantizer.measure(tensor, formats: resolved, settings: state.settings)
    }
    let direct = clock.now - directStarted

    let cells = state.overviewProgress.cells
    if json {
      Console.writeOutput(
        """
        {"tensors": \(analysable.count), "formats": \(formats.count), "cells": \(cells), "bytes": \(bytes), \
        "elements": \(elements), "estimates_s": \(seconds(estimated)), "exact_s": \(seconds(exact)), \
        "read_s": \(seconds(read)), "direct_s": \(seconds(direct)), \
        "exact_over_direct": \(seconds(exact) / seconds(direct)), "exact_over_read": \(seconds(exact) / seconds(read))}

        """)
    } else {
      let gb = Double(bytes) / 1e9
      Console.writeOutput(
        """
        overview of \(analysable.count) tensors × \(formats.count) formats (\(String(format: "%.2f", gb)) GB, \
        \(elements) elements)
          every estimate after   \(String(format: "%8.2f", seconds(estimated))) s
          every exact value after\(String(format: "%8.2f", seconds(exact))) s   \
        (\(String(format: "%.2f", seconds(exact) / seconds(direct)))× the direct pass, \
        \(String(format: "%.1f", seconds(exact) / seconds(read)))× a plain read)
          direct: fit + one multi-format pass per tensor \(String(format: "%8.2f", seconds(direct))) s
          plain read of the same bytes \(String(format: "%8.2f", seconds(read))) s (\
        \(String(format: "%.2f", gb / seconds(read))) GB/s)

        """)
    }
  }
}
