/// A format's representable values before scaling, as plain data (SPEC §3).
///
/// The kernel scales each group by amax / `fullScale` and rounds x/scale to the nearest
/// value. An exact midpoint goes to the lower value (with the paper's midpoints: the Float64
/// midpoint of the values rounded to Float32), unless `evenCodes` is set: then it goes to the
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
  /// The value on the spare −0 code of a supernormal variant (`e2m1+8`, `e2m1-sr`, `ID+auto`'s
  /// choice); nil for every other codebook.
  public let supernormalValue: Double?
  /// The degrees of freedom of an SF(ν) codebook (and of a supernormal variant of one); nil
  /// for every other codebook.
  public let nu: Double?
  /// What a group's amax maps onto when it is not the largest value: a tensor's Lloyd codebook
  /// (`lloyd`) is optimal for the scaling amax → 1, and its largest level lies below 1. Nil
  /// for every other codebook.
  public let scaleOnto: Double?

  /// `values` must be strictly ascending and finite with a positive maximum (the catalog and
  /// the TOML loader check this before building one).
  public init(
    id: String, name: String, bits: Int, values: [Double], evenCodes: [Bool]? = nil,
    supernormalValue: Double? = nil, nu: Double? = nil, scaleOnto: Double? = nil
  ) {
    precondition(values.count >= 2 && zip(values, values.dropFirst()).allSatisfy { $0 < $1 })
    precondition(evenCodes == nil || evenCodes?.count == values.count)
    self.id = id
    self.name = name
    self.bits = bits
    self.values = values
    self.evenCodes = evenCodes
    self.supernormalValue = supernormalValue
    self.nu = nu
    self.scaleOnto = scaleOnto
  }

  /// The magnitude a group's amax maps onto: the largest value (SPEC §4; INT4's 7, as the
  /// paper's amax/7), or the magnitude of a supernormal value beyond the negative end, which
  /// could otherwise never be reached (`e2m1+-8` maps amax onto 8, not 6).
  public var fullScale: Double {
    if let scaleOnto { return scaleOnto }
    let largest = values[values.count - 1]
    guard let extra = supernormalValue, -extra > largest else { return largest }
    return -extra
  }

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
    Codebook(
      id: id, name: name, bits: bits, values: values, evenCodes: evenCodes, supernormalValue: supernormalValue,
      nu: nu, scaleOnto: scaleOnto)
  }
}
