import Parallel
import TensorIO

extension TensorFits {
  /// A fast fit for whole-model reports: tensors up to `sampleLimit` elements get the exact fit of
  /// `fit(_:isCancelled:)`; larger ones are fitted, all three families and their log-likelihoods,
  /// on the same deterministic `sampleLimit`-element subsample that `fit` starts from, without its
  /// two passes over every element. The t parameters are then the subsample optimum (within about
  /// 1e-5 nats of the full-data MLE, inside SPEC §5's 1e-4), while `count`/`finiteCount`/`mean`/`std`
  /// and the log-likelihoods describe the subsample (`fitElements` says how many elements).
  public static func sampledFit(_ tensor: Tensor, isCancelled: @Sendable () -> Bool = { false }) throws(Cancelled)
    -> FitReport
  {
    guard tensor.info.dtype.isAnalysable, tensor.count > sampleLimit * 4 else {
      return try fit(tensor, isCancelled: isCancelled)
    }
    return try fitValues(
      DeterministicSubsample.draw(from: tensor, limit: sampleLimit), of: tensor, isCancelled: isCancelled)
  }
}

extension TensorFits {
  /// A quick ν for an estimate: the t fit alone on a deterministic subsample of at most `limit`
  /// finite elements (no normal, Laplace or KS). Nil when no t fit can be made. 4,096 elements
  /// keep the overview's estimate lanes at ~3 ms a tensor (16,384 took ~12, most of the
  /// overview's estimate time on a 7B model); SF4(ν)'s error moves little with ν's sampling noise.
  public static func quickNu(_ tensor: Tensor, limit: Int = 1 << 12) -> Double? {
    let values = DeterministicSubsample.draw(from: tensor, limit: limit).filter(\.isFinite)
    guard values.count >= 8 else { return nil }
    return StudentTFitter.fit(values)?.parameters.nu
  }
}
