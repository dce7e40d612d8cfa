import Foundation
import Parallel
import TensorIO

/// Runs effects off the UI thread as Swift tasks and posts their results to an inbox the UI
/// loop drains. A `cancelStale` effect cancels the tasks whose results are no longer wanted;
/// the kernel sees the cancellation through its `isCancelled` check and stops early.
public final class Scheduler: Sendable {
  private let model: Model
  private let inbox = Inbox()
  // Only the UI thread calls `run`, but `Task`s are stored here so they can be cancelled.
  private let tasks = Locked(Tasks())

  private struct Tasks {
    var quantizations: [QuantKey: Task<Void, Never>] = [:]
    var focused: [(generation: Int, task: Task<Void, Never>)] = []
    var survey: (generation: Int, task: Task<Void, Never>)?
  }

  public init(model: Model) {
    self.model = model
  }

  /// Starts the effects' work; returns at once.
  public func run(_ effects: [Effect]) {
    for effect in effects { start(effect) }
  }

  /// The results posted since the last call, oldest first.
  public func takeResults() -> [Action] { inbox.takeAll() }

  /// Whether any task is still running (or a result waits in the inbox).
  public var isBusy: Bool { inbox.pending > 0 || inbox.hasResults }

  private func start(_ effect: Effect) {
    switch effect {
    case .load(let generation, let index):
      let model = self.model
      let entry = TensorEntry(index: index, info: model.tensors[index])
      track(generation: generation) {
        do throws(AnalysisError) {
          let loaded = try Analysis.load(model.tensor(at: index), entry: entry) { Task.isCancelled }
          return .loaded(generation: generation, loaded)
        } catch {
          switch error {
          case .cancelled: return nil
          case .unavailable(let reason): return .loadFailed(generation: generation, tensor: entry.name, reason: reason)
          }
        }
      }
    case .fit(let generation, let reference):
      let tensor = reference.tensor
      track(generation: generation) {
        do throws(AnalysisError) {
          let fit = try Analysis.fit(tensor.tensor) { Task.isCancelled }
          return .fitted(generation: generation, tensor: tensor.entry.name, fit)
        } catch {
          switch error {
          case .cancelled: return nil
          case .unavailable(let reason):
            return .fitFailed(generation: generation, tensor: tensor.entry.name, reason: reason)
          }
        }
      }
    case .quantize(let generation, let key, let reference, let fittedNu):
      startQuantization(generation: generation, key: key, tensor: reference.tensor, fittedNu: fittedNu)
    case .survey(let request):
      startSurvey(request)
    case .cancelSurvey(let generation):
      tasks.withLock { tasks in
        if let survey = tasks.survey, survey.generation <= generation {
          survey.task.cancel()
          tasks.survey = nil
        }
      }
    case .cancelStale(let generation, let keep):
      tasks.withLock { tasks in
        for (key, task) in tasks.quantizations where !keep.contains(key) {
          task.cancel()
          tasks.quantizations[key] = nil
        }
        for entry in tasks.focused where entry.generation < generation { entry.task.cancel() }
        tasks.focused.removeAll { $0.generation < generation }
      }
    }
  }

  /// Elements per tensor the survey reads: enough for ν and a ranking, small enough for big models.
  static let surveySample = 1 << 16

  private func startSurvey(_ request: SurveyRequest) {
    let model = self.model
    let inbox = self.inbox
    inbox.begin()
    let task = Task.detached(priority: .utility) {
      defer { inbox.end() }
      for index in request.tensors {
        if Task.isCancelled { return }
        let entry = TensorEntry(index: index, info: model.tensors[index])
        let measured = Analysis.survey(
          model.tensor(at: index), format: request.format, settings: request.settings, sampleLimit: Self.surveySample
        ) { Task.isCancelled }
        let key = request.format.map { QuantKey(tensor: entry.name, format: $0, settings: request.settings) }
        if Task.isCancelled { return }
        inbox.post(
          .surveyed(
            generation: request.generation, tensor: entry.name, nu: measured.nu, key: measured.sqnr == nil ? nil : key,
            sqnr: measured.sqnr))
      }
      inbox.post(.surveyFinished(generation: request.generation))
    }
    tasks.withLock { $0.survey = (request.generation, task) }
  }

  private func startQuantization(generation: Int, key: QuantKey, tensor: LoadedTensor, fittedNu: Double?) {
    let inbox = self.inbox
    inbox.begin()
    let task = Task.detached(priority: .userInitiated) {
      defer { inbox.end() }
      let clock = ContinuousClock()
      let started = clock.now
      func elapsed() -> Double {
        let duration = clock.now - started
        return Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) * 1e-15
      }
      do throws(AnalysisError) {
        var estimate: QuantResult?
        if tensor.isLarge {
          let quick = try Analysis.estimate(tensor, key: key, fittedNu: fittedNu) { Task.isCancelled }
          estimate = quick
          inbox.post(.quantized(generation: generation, key, quick.with(milliseconds: elapsed())))
        }
        let result = try Analysis.full(tensor, key: key, fittedNu: fittedNu, reusing: estimate) { Task.isCancelled }
        inbox.post(.quantized(generation: generation, key, result.with(milliseconds: elapsed())))
      } catch {
        switch error {
        case .cancelled: return
        case .unavailable(let reason): inbox.post(.quantizeFailed(generation: generation, key, reason: reason))
        }
      }
    }
    tasks.withLock { $0.quantizations[key] = task }
  }

  /// Runs `work` as a task of the focused tensor's `generation` (cancelled when focus moves on).
  private func track(generation: Int, _ work: @escaping @Sendable () -> Action?) {
    let inbox = self.inbox
    inbox.begin()
    let task = Task.detached(priority: .userInitiated) {
      defer { inbox.end() }
      if let action = work(), !Task.isCancelled { inbox.post(action) }
    }
    tasks.withLock { $0.focused.append((generation, task)) }
  }
}

/// Results waiting for the UI thread, and the number of tasks still running.
final class Inbox: Sendable {
  private let state = Locked((actions: [Action](), running: 0))

  func post(_ action: Action) { state.withLock { $0.actions.append(action) } }
  func takeAll() -> [Action] {
    state.withLock { box in
      defer { box.actions.removeAll() }
      return box.actions
    }
  }
  func begin() { state.withLock { $0.running += 1 } }
  func end() { state.withLock { $0.running -= 1 } }
  var pending: Int { state.withLock { $0.running } }
  var hasResults: Bool { state.withLock { !$0.actions.isEmpty } }
}
