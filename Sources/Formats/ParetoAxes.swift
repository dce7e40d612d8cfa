/// The cost axis of a quality-against-cost frontier (`report --pareto-x`, the explorer's Pareto view).
public enum ParetoCost: String, CaseIterable, Codable, Sendable {
  /// MAC-unit area (the costs table's `area`).
  case area
  /// MAC-unit power (the costs table's `power`).
  case power
  /// Bits per weight over the model.
  case bpw

  public var next: ParetoCost {
    ParetoCost.allCases[(ParetoCost.allCases.firstIndex(of: self)! + 1) % ParetoCost.allCases.count]
  }
}

/// The quality axis of the frontier.
public enum ParetoQuality: String, CaseIterable, Codable, Sendable {
  /// Mean SQNR over tensors.
  case meanSQNR = "mean_sqnr_db"
  /// Parameter-weighted mean SQNR.
  case weightedSQNR = "weighted_sqnr_db"

  public var next: ParetoQuality { self == .meanSQNR ? .weightedSQNR : .meanSQNR }
}
