import Distributions

/// The distribution families tscope fits.
public enum FitFamily: String, Sendable, CaseIterable {
  case t, normal, laplace
}

/// A fitted location-scale family with its goodness of fit.
public struct FamilyFit: Sendable, Hashable {
  /// ν for Student's t; nil for the normal and Laplace.
  public let nu: Double?
  public let loc: Double
  public let scale: Double
  /// Mean log-likelihood per finite element (natural log), over all finite elements.
  public let logLikelihood: Double
  /// Kolmogorov–Smirnov distance to the empirical distribution (see `FitReport.ksElements`).
  public let ks: Double

  public init(nu: Double?, loc: Double, scale: Double, logLikelihood: Double, ks: Double) {
    self.nu = nu
    self.loc = loc
    self.scale = scale
    self.logLikelihood = logLikelihood
    self.ks = ks
  }

  /// The fitted distribution, for curves and quantiles.
  public func distribution(_ family: FitFamily) -> any ContinuousDistribution {
    switch family {
    case .t: StudentT(nu: nu ?? .infinity, loc: loc, scale: scale)
    case .normal: Normal(loc: loc, scale: scale)
    case .laplace: Laplace(loc: loc, scale: scale)
    }
  }
}

/// Everything `tscope fit` says about one tensor (SPEC §2, §5). Every number is finite; a family
/// that cannot be fitted is nil, and `reason` says why.
public struct FitReport: Sendable, Hashable {
  public let name: String
  public let count: Int
  public let finiteCount: Int
  public let mean: Double?
  public let std: Double?
  public let t: FamilyFit?
  public let normal: FamilyFit?
  public let laplace: FamilyFit?
  /// The family with the highest mean log-likelihood.
  public let best: FitFamily?
  /// Why some family (or all) could not be fitted; nil when all three were.
  public let reason: String?
  /// How many elements the t optimizer saw (all finite ones, or a deterministic subsample).
  public let fitElements: Int
  /// How many elements the Kolmogorov–Smirnov distances were measured on.
  public let ksElements: Int

  public init(
    name: String, count: Int, finiteCount: Int, mean: Double?, std: Double?, t: FamilyFit?, normal: FamilyFit?,
    laplace: FamilyFit?, reason: String?, fitElements: Int, ksElements: Int
  ) {
    self.name = name
    self.count = count
    self.finiteCount = finiteCount
    self.mean = mean
    self.std = std
    self.t = t
    self.normal = normal
    self.laplace = laplace
    self.reason = reason
    self.fitElements = fitElements
    self.ksElements = ksElements
    let candidates: [(FitFamily, FamilyFit?)] = [(.t, t), (.normal, normal), (.laplace, laplace)]
    best =
      candidates.compactMap { family, fit in fit.map { (family, $0.logLikelihood) } }
      .max { $0.1 < $1.1 }?.0
  }

  public func fit(_ family: FitFamily) -> FamilyFit? {
    switch family {
    case .t: t
    case .normal: normal
    case .laplace: laplace
    }
  }
}
