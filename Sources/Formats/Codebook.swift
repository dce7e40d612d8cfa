/// A format's representable values before scaling, as plain data (SPEC §3).
///
/// The kernel scales each group by amax / `maxValue` and rounds x/scale to the nearest value.
/// An exact midpoint goes to the lower value, unless `evenCodes` is set: then it goes to the
/// neighbour marked even (IEEE-style ties to even for INT and FP8 formats).
public struct Codebook: Sendable, Hashable {
  /// Lower-case id, as on the command line (`nf4`, `e2m1+8`, `sf4@2.7`, `file:mine`).
  public let id: String
  /// Display name following the paper (`NF4`, `E2M1-SR`, `SF4 (ν=5)`).
  public let name: String
  /// Bits per code.
  public let bits: Int
  /// Representable values, strictly ascending, finite.
  public let values: [Double]
  /// For ties to even: whether each value's code is even. Nil: ties go to the lower value.
  public let evenCodes: [Bool]?

  /// `values` must be strictly ascending and finite with a positive maximum (the catalog and
  /// the TOML loader check this before building one).
  public init(id: String, name: String, bits: Int, values: [Double], evenCodes: [Bool]? = nil) {
    precondition(values.count >= 2 && zip(values, values.dropFirst()).allSatisfy { $0 < $1 })
    precondition(evenCodes == nil || evenCodes?.count == values.count)
    self.id = id
    self.name = name
    self.bits = bits
    self.values = values
    self.evenCodes = evenCodes
  }

  /// The largest value: the group's amax maps onto it.
  public var maxValue: Double { values[values.count - 1] }

  /// Whether the codebook is symmetric around a single zero (a sign-magnitude format whose
  /// −0 code is spare): such formats accept a supernormal value, `ID+VALUE`.
  public var isSymmetricWithSingleZero: Bool {
    let count = values.count
    guard count % 2 == 1, values[count / 2] == 0 else { return false }
    return (0..<count / 2).allSatisfy { values[$0] == -values[count - 1 - $0] }
  }

  /// Whether `value` is already one of the codebook's values.
  public func contains(_ value: Double) -> Bool { values.contains(value) }

  /// The same values under another id and name.
  public func renamed(id: String, name: String) -> Codebook {
    Codebook(id: id, name: name, bits: bits, values: values, evenCodes: evenCodes)
  }
}
