import Distributions
import Foundation

/// A format as named on the command line, before it meets a tensor.
///
/// Most ids name a fixed format. Some resolve per tensor: `sf4@fit` (SF4 at the tensor's
/// fitted ν), `ID+auto` (the supernormal value that lowers the tensor's MSE most, found by
/// the kernel) and `TYPE:imatrix` (a llama.cpp type with the tensor's importance).
public struct FormatSpec: Sendable, Hashable, CustomStringConvertible {
  public enum Kind: Sendable, Hashable {
    case fixed(QuantFormat)
    /// SF`bits` at the tensor's fitted ν.
    case studentFloatAtFittedNu(bits: Int)
    /// `base` plus the supernormal value the kernel finds best for the tensor.
    case supernormalAuto(base: Codebook)
    /// `lloyd@K`: the K-level codebook with the least MSE on the tensor under its group scaling
    /// (Lloyd-Max on the tensor's scaled values, built by the kernel).
    case lloyd(levels: Int)
    /// `lloyd@t`: the Lloyd-Max quantizer of the t density at the tensor's fitted ν.
    case lloydAtFittedNu(levels: Int)
    /// `sf4@auto`: SF`bits` at the ν with the least MSE on the tensor (searched by the kernel).
    case studentFloatAuto(bits: Int)
    /// `TYPE:imatrix`: a llama.cpp type from llama-quantize's imatrix path, with the tensor's
    /// importance (from `--imatrix`).
    case ggmlWithImportance(GGMLFormat)
  }

  /// The id as written (lower-cased).
  public let id: String
  public let kind: Kind

  public var description: String { id }

  public init(id: String, kind: Kind) {
    self.id = id
    self.kind = kind
  }

  /// Parses a format id: a built-in id or alias, `sf4@NU`, `sf4@fit`, `sf3@…`, `ID+VALUE`,
  /// `ID+auto`, or `file:NAME` for a codebook in `userCodebooks` (keyed by NAME).
  public static func parse(_ text: String, userCodebooks: [String: Codebook] = [:]) throws(FormatError) -> FormatSpec {
    let id = text.trimmingCharacters(in: .whitespaces).lowercased()
    if let plus = supernormalSplit(id, userCodebooks: userCodebooks) {
      return try supernormal(id: id, baseID: plus.base, valueText: plus.value, userCodebooks: userCodebooks)
    }
    if let alias = FormatCatalog.aliases[id], let base = FormatCatalog.baseCodebooks[alias.base] {
      return FormatSpec(
        id: id, kind: .fixed(.codebook(FormatCatalog.supernormal(base, value: alias.value, id: id, name: alias.name))))
    }
    switch id {
    case "int4-asym": return FormatSpec(id: id, kind: .fixed(.int4Asymmetric))
    case "mxfp4": return FormatSpec(id: id, kind: .fixed(.mxfp4))
    case "nvfp4": return FormatSpec(id: id, kind: .fixed(.nvfp4))
    case "sf4": return FormatSpec(id: id, kind: .fixed(.codebook(FormatCatalog.studentFloat(bits: 4, nu: nil))))
    case "sf3": return FormatSpec(id: id, kind: .fixed(.codebook(FormatCatalog.studentFloat(bits: 3, nu: nil))))
    default: break
    }
    // llama.cpp's `mxfp4:ggml`/`nvfp4:ggml` before the MX parse, which would read `ggml` as a scale rule.
    if let type = GGMLFormat(id: id), type.isFP4 { return FormatSpec(id: id, kind: .fixed(.ggml(type))) }
    if id.hasSuffix(":" + GGMLImportance.suffix) {
      let base = String(id.dropLast(GGMLImportance.suffix.count + 1))
      guard let type = GGMLFormat(id: base) else { throw .noImatrixPath(id: id, base: base) }
      return FormatSpec(id: id, kind: .ggmlWithImportance(type))
    }
    if let mx = try MXFormat.parse(id) { return FormatSpec(id: id, kind: .fixed(.microscaling(mx))) }
    if let variant = NVFP4Variant(rawValue: id) { return FormatSpec(id: id, kind: .fixed(.nvfp4Variant(variant))) }
    if let type = GGMLFormat(id: id) {
      if type.requiresImportance { throw .onlyWithImportance(id: id) }
      return FormatSpec(id: id, kind: .fixed(.ggml(type)))
    }
    if let lloyd = try lloydSpec(id) { return lloyd }
    if id.hasPrefix("sf4@") || id.hasPrefix("sf3@") {
      let bits = id.hasPrefix("sf4@") ? 4 : 3
      let nuText = String(id.dropFirst(4))
      if nuText == "fit" { return FormatSpec(id: id, kind: .studentFloatAtFittedNu(bits: bits)) }
      if nuText == "auto" { return FormatSpec(id: id, kind: .studentFloatAuto(bits: bits)) }
      guard let nu = Double(nuText), nu.isFinite, nu >= StudentT.leastNu else {
        throw .invalidNu(id: id, text: nuText)
      }
      return FormatSpec(id: id, kind: .fixed(.codebook(FormatCatalog.studentFloat(bits: bits, nu: nu))))
    }
    if let codebook = try plainCodebook(id, userCodebooks: userCodebooks) {
      return FormatSpec(id: id, kind: .fixed(.codebook(codebook)))
    }
    throw .unknownID(id)
  }

  /// The format for a tensor whose fitted ν is `fittedNu` (needed only by `sf4@fit`).
  /// `ID+auto` cannot be resolved here: the kernel searches for its value.
  public func resolved(fittedNu: Double? = nil) throws(FormatError) -> QuantFormat {
    switch kind {
    case .fixed(let format):
      return format
    case .studentFloatAtFittedNu(let bits):
      guard let nu = fittedNu, nu.isFinite, nu > 0 else { throw .needsFittedNu(id: id) }
      let codebook = FormatCatalog.studentFloat(bits: bits, nu: nu)
      return .codebook(codebook.renamed(id: id, name: "SF\(bits) (ν=\(String(format: "%.3g", nu)), fit)"))
    case .lloydAtFittedNu(let levels):
      guard let nu = fittedNu, nu.isFinite, nu > 0 else { throw .needsFittedNu(id: id) }
      let values = LloydMax.normalizedValues(count: levels, distribution: StudentT(nu: nu))
      return .codebook(
        Codebook(
          id: id, name: "Lloyd t(ν=\(String(format: "%.3g", nu)), fit)", bits: Self.bits(forLevels: levels),
          values: values, nu: nu))
    case .supernormalAuto, .lloyd, .studentFloatAuto:
      throw .needsTensorSearch(id: id)
    case .ggmlWithImportance:
      throw .needsImportance(id: id)
    }
  }

  /// `lloyd`, `lloyd@K` (2 ≤ K ≤ 256), `lloyd@normal`, `lloyd@t`; nil for other ids.
  private static func lloydSpec(_ id: String) throws(FormatError) -> FormatSpec? {
    guard id == "lloyd" || id.hasPrefix("lloyd@") else { return nil }
    let suffix = id == "lloyd" ? "" : String(id.dropFirst(6))
    switch suffix {
    case "": return FormatSpec(id: id, kind: .lloyd(levels: 16))
    case "normal": return FormatSpec(id: id, kind: .fixed(.codebook(FormatCatalog.lloydNormal)))
    case "t": return FormatSpec(id: id, kind: .lloydAtFittedNu(levels: 16))
    default:
      guard let levels = Int(suffix), (2...256).contains(levels) else { throw .invalidLevels(id: id, text: suffix) }
      return FormatSpec(id: id, kind: .lloyd(levels: levels))
    }
  }

  /// Bits per code for `levels` values.
  public static func bits(forLevels levels: Int) -> Int {
    var bits = 1
    while 1 << bits < levels { bits += 1 }
    return bits
  }

  /// The format with `value` as `base`'s supernormal value (what `ID+auto` resolves to).
  public static func supernormalFormat(base: Codebook, value: Double, id: String) -> QuantFormat {
    let text = FormatCatalog.text(for: value)
    return .codebook(FormatCatalog.supernormal(base, value: value, id: id, name: "\(base.name)+\(text)"))
  }

  /// A codebook that can take a supernormal value: a plain built-in, an SF(ν), or a user one.
  private static func plainCodebook(
    _ id: String, userCodebooks: [String: Codebook]
  ) throws(FormatError) -> Codebook? {
    if id.hasPrefix("file:") { return userCodebooks[String(id.dropFirst(5))] }
    return FormatCatalog.baseCodebooks[id]
  }

  /// Splits `e2m1+2.5` into base and value, at the first `+` whose left side is a codebook id
  /// (so a `+` inside a number, as in `sf4@1e+3`, is not taken for one).
  private static func supernormalSplit(
    _ id: String, userCodebooks: [String: Codebook]
  ) -> (base: String, value: String)? {
    for index in id.indices where id[index] == "+" {
      let base = String(id[..<index])
      let known =
        FormatCatalog.baseCodebooks[base] != nil || FormatCatalog.aliases[base] != nil
        || (base.hasPrefix("file:") && userCodebooks[String(base.dropFirst(5))] != nil)
        || ["sf4", "sf3", "int4-asym", "mxfp4", "nvfp4"].contains(base)
        || (try? MXFormat.parse(base)) != nil || NVFP4Variant(rawValue: base) != nil
        || GGMLFormat(rawValue: base) != nil
        || ((base.hasPrefix("sf4@") || base.hasPrefix("sf3@")) && Double(base.dropFirst(4)) != nil)
      if known { return (base, String(id[id.index(after: index)...])) }
    }
    return nil
  }

  private static func supernormal(
    id: String, baseID: String, valueText: String, userCodebooks: [String: Codebook]
  ) throws(FormatError) -> FormatSpec {
    let baseSpec = try parse(baseID, userCodebooks: userCodebooks)
    guard case .fixed(let format) = baseSpec.kind, case .codebook(let base) = format,
      base.isSymmetricWithSingleZero
    else {
      let name = (try? baseSpec.resolved(fittedNu: FormatCatalog.defaultNu).name) ?? baseID
      throw .noSupernormalCode(id: id, base: name)
    }
    if valueText == "auto" { return FormatSpec(id: id, kind: .supernormalAuto(base: base)) }
    guard let value = Double(valueText), value.isFinite, value != 0 else {
      throw .invalidSupernormalValue(id: id, text: valueText)
    }
    guard !base.contains(value) else { throw .valueAlreadyInCodebook(id: id, value: valueText) }
    let canonical = "\(baseID)+\(FormatCatalog.text(for: value))"
    let aliasName = FormatCatalog.aliases.first { $0.value.base == baseID && $0.value.value == value }?.value.name
    let name = aliasName ?? "\(base.name)+\(FormatCatalog.text(for: value))"
    return FormatSpec(
      id: canonical, kind: .fixed(.codebook(FormatCatalog.supernormal(base, value: value, id: canonical, name: name))))
  }
}

extension FormatSpec {
  /// Whether the format quantizes with the tensor's importance (`TYPE:imatrix`).
  public var quantizesWithImportance: Bool {
    if case .ggmlWithImportance = kind { return true }
    return false
  }

  /// A format with the storage of this spec, before it meets a tensor: the format itself when
  /// fixed, else a codebook of the same width (SF at any ν, a base with any supernormal value
  /// stores the same bits and scales).
  public var storedFormat: QuantFormat {
    switch kind {
    case .fixed(let format): format
    case .studentFloatAtFittedNu(let bits): .codebook(FormatCatalog.studentFloat(bits: bits, nu: nil))
    case .supernormalAuto(let base): .codebook(base)
    case .studentFloatAuto(let bits): .codebook(FormatCatalog.studentFloat(bits: bits, nu: nil))
    // Whatever values Lloyd-Max finds, a K-level codebook stores ⌈log2 K⌉ bits and one scale.
    case .lloyd(let levels), .lloydAtFittedNu(let levels):
      .codebook(Codebook(id: id, name: id, bits: Self.bits(forLevels: levels), values: [-1, 0, 1]))
    // The imatrix changes the codes chosen, not what a block stores.
    case .ggmlWithImportance(let type): .ggml(type, importance: .missing)
    }
  }
}
