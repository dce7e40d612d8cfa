import Fits
import Formats
import Foundation
import Parallel
import TensorIO

/// Runs effects off the UI thread on the `EffectExecutor`'s threads and posts their results to
/// an inbox; the inbox wakes whoever waits for results (the terminal loop, `Session.settle`).
/// Every piece of work has a `CancellationFlag`: a `cancelStale` or `cancelSurvey` effect sets
/// the flags of work whose results are no longer wanted, and the kernel, which checks the flag
/// through its `isCancelled` closure, stops early.
public final class Scheduler: Sendable {
  /// The model the effects read and the inbox their results go to. Both are replaced together
  /// when the model is opened again (`Effect.useModel`): work started on the old model posts to
  /// the old inbox, which no one reads any more, so none of its results reach the new state.
  private let current: Locked<Current>
  /// With an importance matrix, each quantization also weighs its error (the error table's imatrix column).
  private let importance: ImportanceMatrix?
  private let executor = EffectExecutor(threads: max(2, WorkerPool.allCores))
  // Only the UI thread calls `run`; the flags are stored so later effects can cancel the work.
  private let flags = Locked(Flags())

  private struct Flags {
    var quantizations: [QuantKey: CancellationFlag] = [:]
    var focused: [(generation: Int, flag: CancellationFlag)] = []
    var survey: (generation: Int, flag: CancellationFlag)?
    var overview: (generation: Int, flag: CancellationFlag)?
    /// The tensor last loaded for focus: the overview keeps its pages resident.
    var focusedIndex: Int?

    var all: [CancellationFlag] {
      Array(quantizations.values) + focused.map(\.flag) + (survey.map { [$0.flag] } ?? [])
        + (overview.map { [$0.flag] } ?? [])
    }
  }

  private struct Current {
    var model: Model
    /// With `--against`, the shipped tensors paired with the model's.
    var shipped: ShippedComparison?
    var inbox = Inbox()
    /// How many times the model was replaced (`Session` stops folding in a batch of results taken
    /// from the old inbox once this changes).
    var replacements = 0
    var wake: (@Sendable () -> Void)?
  }

  public init(model: Model, importance: ImportanceMatrix? = nil, shipped: ShippedComparison? = nil) {
    self.current = Locked(Current(model: model, shipped: shipped))
    self.importance = importance
  }

  /// The importance matrix's entry for a tensor (what `Quantizer.resolve` tells `TYPE:imatrix`
  /// by). A length mismatch was refused before the explorer opened (`ImportanceMatrix.weights`).
  private func imatrixEntry(for info: TensorInfo) -> ImatrixEntry {
    ImatrixEntry(matrixGiven: importance != nil, weights: (try? importance?.weights(for: info)) ?? nil)
  }

  private var model: Model { current.withLock(\.model) }
  private var inbox: Inbox { current.withLock(\.inbox) }
  private var shipped: ShippedComparison? { current.withLock(\.shipped) }
  var replacements: Int { current.withLock(\.replacements) }

  deinit {
    for flag in flags.withLock(\.all) { flag.cancel() }
    executor.shutDown()
  }

  /// Starts the effects' work; returns at once. The `quantize` effects of one call that share a tensor and settings run as one pass
  /// (`QuantizationPass`), started where its first effect stands.
  public func run(_ effects: [Effect]) {
    let passes = QuantizationPass.passes(for: effects)
    var started = 0
    for effect in effects {
      guard case .quantize = effect else {
        start(effect)
        continue
      }
      if started < passes.count, passes[started].firstEffect == effect {
        startPass(passes[started])
        started += 1
      }
    }
  }

  /// The results posted since the last call, oldest first.
  public func takeResults() -> [Action] { inbox.takeAll() }

  /// Waits until a result is waiting, or no work is running, or `deadline` passes (nil: no
  /// deadline). True when a result is waiting.
  public func waitForResults(until deadline: Date? = nil) -> Bool { inbox.wait(until: deadline) }

  /// Calls `wake` (on a worker thread) each time a result is posted: a loop that waits on other
  /// events too (keys) learns of results this way. Set it before the first effect runs; nil stops it.
  public func onResult(_ wake: (@Sendable () -> Void)?) {
    current.withLock { current in
      current.wake = wake
      current.inbox.onPost(wake)
    }
  }

  private func start(_ effect: Effect) {
    let inbox = self.inbox
    switch effect {
    case .load(let generation, let index, let rotation):
      let model = self.model
      let previous = flags.withLock { flags in
        defer { flags.focusedIndex = index }
        return flags.focusedIndex
      }
      // The tensor focus left: its pages leave the resident set too (the page cache keeps them,
      // so coming back costs page faults, not reads), or browsing a 70B model would hold every
      // tensor visited. Off this thread: unmapping a large tensor's pages takes milliseconds.
      if let previous, previous != index, previous < model.tensors.count {
        executor.submit(.background) { model.tensor(at: previous).releaseResidentPages() }
      }
      let entry = TensorEntry(index: index, info: model.tensors[index])
      track(generation: generation) { flag in
        do {
          let loaded = try Analysis.load(model.tensor(at: index), entry: entry, rotation: rotation) {
            flag.isCancelled
          }
          return .loaded(generation: generation, loaded)
        } catch is Cancelled {
          return nil
        } catch {
          inbox.postIfFileChanged(error)
          let reason = (error as? AnalysisUnavailable)?.reason ?? "\(error)"
          return .loadFailed(generation: generation, tensor: entry.name, reason: reason)
        }
      }
    case .fit(let generation, let reference):
      let tensor = reference.tensor
      track(generation: generation) { flag in
        do {
          let fit = try Analysis.fit(tensor) { flag.isCancelled }
          return .fitted(generation: generation, tensor: tensor.fitName, fit)
        } catch is Cancelled {
          return nil
        } catch {
          inbox.postIfFileChanged(error)
          let reason = (error as? AnalysisUnavailable)?.reason ?? "\(error)"
          return .fitFailed(generation: generation, tensor: tensor.fitName, reason: reason)
        }
      }
    case .quantize:
      // `run` starts these as passes; one on its own is a pass of one key.
      startPass(QuantizationPass.passes(for: [effect])[0])
    case .estimateBeforeFit(let generation, let key, let reference):
      let weights = imatrixEntry(for: reference.tensor.tensor.info)
      track(generation: generation) { flag in
        let nu = TensorFits.quickNu(reference.tensor.sample)
        let result = try? Analysis.estimate(reference.tensor, key: key, fittedNu: nu, importance: weights) {
          flag.isCancelled
        }
        return .estimatedBeforeFit(generation: generation, key, result)
      }
    case .survey(let request):
      startSurvey(request)
    case .cancelSurvey(let generation):
      flags.withLock { flags in
        if let survey = flags.survey, survey.generation <= generation {
          survey.flag.cancel()
          flags.survey = nil
        }
      }
    case .overview(let request):
      startOverview(request)
    case .cancelOverview(let generation):
      flags.withLock { flags in
        if let overview = flags.overview, overview.generation <= generation {
          overview.flag.cancel()
          flags.overview = nil
        }
      }
    case .reopen:
      startReopen()
    case .useModel(let reference):
      replaceModel(with: reference.model, shipped: reference.shipped)
    case .measureShipped(let request):
      guard let pair = shipped?.pairs[request.tensor] else { break }
      track(generation: request.generation) { flag in
        do {
          let result = try ShippedAnalysis.measure(pair) { flag.isCancelled }
          return .shippedMeasured(tensor: request.tensor, .done(result))
        } catch is Cancelled {
          return nil
        } catch {
          inbox.postIfFileChanged(error)
          return .shippedMeasured(tensor: request.tensor, .failed("\(error)"))
        }
      }
    case .cancelStale(let generation, let keep):
      flags.withLock { flags in
        for (key, flag) in flags.quantizations where !keep.contains(key) {
          flag.cancel()
          flags.quantizations[key] = nil
        }
        for entry in flags.focused where entry.generation < generation { entry.flag.cancel() }
        flags.focused.removeAll { $0.generation < generation }
      }
    }
  }

  /// Runs `step` at positions `first`, `first + stride`, … below `count`, one piece of background
  /// work each, each queueing the next when it is done, so work for the focused tensor waits for
  /// at most one step. A step returns false to stop the chain; `finished` runs once every
  /// position is done (not when the chain was stopped or cancelled). Static: queued work must not
  /// hold the scheduler, whose deinit cancels it.
  private static func chain(
    on executor: EffectExecutor, from first: Int = 0, stride: Int = 1, count: Int, flag: CancellationFlag,
    inbox: Inbox, step: @escaping @Sendable (Int) -> Bool, finished: @escaping @Sendable () -> Void
  ) {
    @Sendable func next(_ position: Int) {
      inbox.begin()
      executor.submit(.background) {
        defer { inbox.end() }
        if flag.isCancelled { return }
        guard position < count else {
          finished()
          return
        }
        if step(position) { next(position + stride) }
      }
    }
    next(first)
  }

  /// Measures the overview one tensor per step (`chain`): the estimates first, in one lane per
  /// core (each is serial work on a small sample), then the exact passes one tensor at a time
  /// (each already runs on every core). Each step is one multi-format pass over the tensor.
  private func startOverview(_ request: OverviewRequest) {
    let model = self.model
    let inbox = self.inbox
    let executor = self.executor
    let flags = self.flags  // queued work must not hold the scheduler (see `chain`)
    let flag = CancellationFlag()
    flags.withLock { $0.overview = (request.generation, flag) }
    // A tensor no larger than the sample gets its exact cells from the estimate step.
    let estimated = Set(request.estimates)
    let exact = request.exact.filter { !estimated.contains($0) || model.tensors[$0].count > Self.overviewSample }
    let lanes = min(WorkerPool.allCores, request.estimates.count)
    let lanesRunning = Locked(lanes)

    /// Measures one tensor and posts its cells; false when the overview must stop.
    @Sendable func measure(_ index: Int, isEstimate: Bool) -> Bool {
      let name = model.tensors[index].name
      let cells: [FormatSpec: OverviewCell]
      do {
        cells = try Analysis.overview(
          model.tensor(at: index), formats: request.formats, settings: request.settings,
          sampleLimit: isEstimate ? Self.overviewSample : nil, importance: imatrixEntry(for: model.tensors[index])
        ) { flag.isCancelled }
      } catch is Cancelled {
        return false
      } catch let error as TensorFileError {
        // The file changed: the overview stops (every later tensor would fail the same way).
        flag.cancel()
        inbox.postIfFileChanged(error)
        inbox.post(.overviewFinished(generation: request.generation))
        return false
      } catch {
        let reason = (error as? AnalysisUnavailable)?.reason ?? "\(error)"
        cells = Dictionary(
          uniqueKeysWithValues: request.formats.map {
            ($0, OverviewCell(sqnrDB: nil, isEstimate: false, reason: reason))
          })
      }
      if flag.isCancelled { return false }
      Self.releasePages(of: index, in: model, unlessFocused: flags)
      var keyed: [QuantKey: OverviewCell] = [:]
      for (spec, cell) in cells { keyed[QuantKey(tensor: name, format: spec, settings: request.settings)] = cell }
      inbox.post(.overviewMeasured(generation: request.generation, cells: keyed))
      return true
    }

    @Sendable func exactPasses() {
      Self.chain(
        on: executor, count: exact.count, flag: flag, inbox: inbox, step: { measure(exact[$0], isEstimate: false) },
        finished: { inbox.post(.overviewFinished(generation: request.generation)) })
    }

    guard lanes > 0 else { return exactPasses() }
    for lane in 0..<lanes {
      Self.chain(
        on: executor, from: lane, stride: lanes, count: request.estimates.count, flag: flag, inbox: inbox,
        step: { measure(request.estimates[$0], isEstimate: true) },
        finished: {
          // The last lane to finish starts the exact passes.
          let isLast = lanesRunning.withLock { running in
            running -= 1
            return running == 0
          }
          if isLast { exactPasses() }
        })
    }
  }

  /// Elements per tensor the survey reads: enough for ν and a ranking, small enough for big models.
  static let surveySample = 1 << 16

  /// Elements per tensor of an overview estimate: every format's SQNR to about ±0.1 dB, small
  /// enough that a 7B model's 291 tensors are all estimated in about a second per core.
  static let overviewSample = 1 << 15

  /// Background work reads every tensor of the model (a fit's subsample strided over a tensor
  /// touches most of its pages; an exact pass all of them): each tensor's pages then leave the
  /// resident set (they stay in the page cache), so the survey and the overview of a 70B model do
  /// not hold the model resident. The focused tensor keeps them, for the toggles that read it next.
  private static func releasePages(of index: Int, in model: Model, unlessFocused flags: Locked<Flags>) {
    if flags.withLock({ $0.focusedIndex }) != index { model.tensor(at: index).releaseResidentPages() }
  }

  /// Surveys one tensor per step (`chain`).
  private func startSurvey(_ request: SurveyRequest) {
    let model = self.model
    let inbox = self.inbox
    let executor = self.executor
    let flags = self.flags  // queued work must not hold the scheduler (see `chain`)
    let flag = CancellationFlag()
    flags.withLock { $0.survey = (request.generation, flag) }
    Self.chain(
      on: executor, count: request.tensors.count, flag: flag, inbox: inbox,
      step: { position in
        let index = request.tensors[position]
        let entry = TensorEntry(index: index, info: model.tensors[index])
        let measured: (nu: Double?, sqnr: Double?)
        do {
          measured = try Analysis.survey(
            model.tensor(at: index), format: request.format, settings: request.settings,
            sampleLimit: Self.surveySample, importance: self.imatrixEntry(for: model.tensors[index])
          ) { flag.isCancelled }
        } catch {
          // The file changed: the survey stops (every later tensor would fail the same way).
          inbox.postIfFileChanged(error)
          inbox.post(.surveyFinished(generation: request.generation))
          return false
        }
        let key = request.format.map { QuantKey(tensor: entry.name, format: $0, settings: request.settings) }
        if flag.isCancelled { return false }
        Self.releasePages(of: index, in: model, unlessFocused: flags)
        inbox.post(
          .surveyed(
            generation: request.generation, tensor: entry.name, nu: measured.nu,
            key: measured.sqnr == nil ? nil : key, sqnr: measured.sqnr))
        return true
      },
      finished: { inbox.post(.surveyFinished(generation: request.generation)) })
  }

  /// Runs a pass (`QuantizationPass`). First every key's sampled estimate, one piece of work each:
  /// on a large tensor each is posted as it comes, so keys requested together (the table, the
  /// compare view's grid) all show their estimates before any exact pass runs; on a tensor its
  /// sample holds whole the estimate is the exact result. The last estimate in queues ONE exact
  /// pass for the keys that need it: a multi-format kernel run over every element. Each key has a
  /// flag of its own (`cancelStale` cancels keys): the exact pass stops once every one of its
  /// keys is cancelled (a new tensor, a new group) and otherwise posts every key's result.
  private func startPass(_ pass: QuantizationPass) {
    let inbox = self.inbox
    let executor = self.executor
    let tensor = pass.tensor.tensor
    let generation = pass.generation
    let weights = imatrixEntry(for: tensor.tensor.info)
    let memberFlags = pass.members.map { _ in CancellationFlag() }
    flags.withLock { flags in
      for (member, flag) in zip(pass.members, memberFlags) { flags.quantizations[member.key] = flag }
    }
    let clock = ContinuousClock()
    @Sendable func milliseconds(since started: ContinuousClock.Instant) -> Double {
      let duration = clock.now - started
      return Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) * 1e-15
    }
    @Sendable func fail(_ keys: [QuantKey], _ error: any Error) {
      inbox.postIfFileChanged(error)
      let reason = (error as? AnalysisUnavailable)?.reason ?? "\(error)"
      for key in keys { inbox.post(.quantizeFailed(generation: generation, key, reason: reason)) }
    }

    @Sendable func exact(_ estimates: [PassProgress.Estimate]) {
      inbox.begin()
      executor.submit(.focused) {
        defer { inbox.end() }
        let passFlags = estimates.map { memberFlags[$0.position] }
        let isCancelled: @Sendable () -> Bool = { passFlags.allSatisfy(\.isCancelled) }
        if isCancelled() { return }
        let keys = estimates.map { pass.members[$0.position].key }
        let started = clock.now
        do {
          let outcomes = try Analysis.full(
            tensor, runs: estimates.map { (pass.members[$0.position], $0.result) }, importance: weights,
            isCancelled: isCancelled)
          let elapsed = milliseconds(since: started)
          for (estimate, (key, outcome)) in zip(estimates, zip(keys, outcomes)) {
            switch outcome {
            case .success(let result):
              inbox.post(
                .quantized(generation: generation, key, result.with(milliseconds: estimate.milliseconds + elapsed)))
            case .failure(let error):
              fail([key], error)
            }
          }
        } catch is Cancelled {
          return
        } catch {
          fail(keys, error)
        }
      }
    }

    // The estimates not yet in, and those in that the exact pass still needs.
    let progress = Locked(PassProgress(waiting: pass.members.count))
    for (position, member) in pass.members.enumerated() {
      let flag = memberFlags[position]
      inbox.begin()
      executor.submit(.focused) {
        defer { inbox.end() }
        var estimate: PassProgress.Estimate?
        if !flag.isCancelled {
          let started = clock.now
          do {
            let result = try Analysis.estimate(
              tensor, key: member.key, fittedNu: member.fittedNu, importance: weights
            ) { flag.isCancelled }
            let elapsed = milliseconds(since: started)
            // Shown at once when exact (the sample is the tensor) or when the exact pass will take a
            // while (a large tensor); a tensor a little larger than its sample waits for its pass.
            if tensor.sampleIsWhole || tensor.isLarge {
              inbox.post(.quantized(generation: generation, member.key, result.with(milliseconds: elapsed)))
            }
            if !tensor.sampleIsWhole { estimate = (position, result, elapsed) }
          } catch is Cancelled {
          } catch {
            fail([member.key], error)
          }
        }
        let ready = progress.withLock { progress -> [PassProgress.Estimate]? in
          if let estimate { progress.estimates.append(estimate) }
          progress.waiting -= 1
          return progress.waiting == 0 ? progress.estimates.sorted { $0.position < $1.position } : nil
        }
        if let ready, !ready.isEmpty { exact(ready) }
      }
    }
  }

  /// A pass's estimates: how many are not yet in, and those in that its exact pass needs.
  private struct PassProgress {
    typealias Estimate = (position: Int, result: QuantResult, milliseconds: Double)
    var waiting: Int
    var estimates: [Estimate] = []
  }

  /// Opens the model again from its path (on a worker: opening reads and checks the headers) and
  /// posts the new model, or the one line saying why it cannot be opened.
  private func startReopen() {
    let path = model.path
    let shippedPath = shipped?.path
    let inbox = self.inbox
    inbox.begin()
    executor.submit(.focused) {
      defer { inbox.end() }
      do {
        let model = try Model.open(path)
        // The shipped file may have changed too: both are opened again and paired anew.
        let comparison = try shippedPath.map { ShippedComparison(original: model, shipped: try Model.open($0)) }
        inbox.post(.reopened(ModelReference(model, shipped: comparison)))
      } catch {
        inbox.post(.reopenFailed("\(error)"))
      }
    }
  }

  /// Makes `model` the one every later effect reads (on the UI thread, before the effects that
  /// follow it): the old model's work is cancelled, and its results, posted to the old inbox, are
  /// never taken.
  private func replaceModel(with model: Model, shipped: ShippedComparison?) {
    for flag in flags.withLock(\.all) { flag.cancel() }
    flags.withLock { $0 = Flags() }
    current.withLock { current in
      current.inbox.onPost(nil)
      current.model = model
      current.shipped = shipped
      current.inbox = Inbox()
      current.inbox.onPost(current.wake)
      current.replacements += 1
    }
  }

  /// Runs `work` for the focused tensor's `generation` (cancelled when focus moves on).
  private func track(generation: Int, _ work: @escaping @Sendable (CancellationFlag) -> Action?) {
    let inbox = self.inbox
    let flag = CancellationFlag()
    flags.withLock { $0.focused.append((generation, flag)) }
    inbox.begin()
    executor.submit(.focused) {
      defer { inbox.end() }
      if flag.isCancelled { return }
      if let action = work(flag), !flag.isCancelled { inbox.post(action) }
    }
  }
}

/// Results waiting for the UI thread, and the number of pieces of work still running. Waiters
/// block on its condition; `wake` tells a loop that waits on other events too.
final class Inbox: Sendable {
  /// Posts `.fileChanged` when `error` says a model file changed on disk since it was opened.
  func postIfFileChanged(_ error: any Error) {
    if let error = error as? TensorFileError { post(.fileChanged("\(error)")) }
  }

  private struct Contents {
    var actions: [Action] = []
    var running = 0
    var wake: (@Sendable () -> Void)?
  }

  private let contents = Locked(Contents())

  func post(_ action: Action) {
    contents.withLock { contents in
      contents.actions.append(action)
      // Under the lock, so once `onPost(nil)` returns no post calls the old `wake` (it must not block).
      contents.wake?()
    }
    contents.broadcast()
  }

  func takeAll() -> [Action] {
    contents.withLock { contents in
      defer { contents.actions.removeAll() }
      return contents.actions
    }
  }

  func begin() { contents.withLock { $0.running += 1 } }

  func end() {
    let isIdle = contents.withLock { contents in
      contents.running -= 1
      return contents.running == 0
    }
    if isIdle { contents.broadcast() }
  }

  func onPost(_ wake: (@Sendable () -> Void)?) { contents.withLock { $0.wake = wake } }

  /// Waits until an action is waiting or nothing runs (or `deadline`); true when an action waits.
  func wait(until deadline: Date?) -> Bool {
    let hasActions = contents.wait(deadline: deadline) { contents -> Bool? in
      if !contents.actions.isEmpty { return true }
      return contents.running == 0 ? false : nil
    }
    return hasActions ?? false
  }
}
