import ArgumentParser
import Formats
import Kernels
import Reporting

/// `tscope formats [--json] [--format ID]...`: codebooks with id, display name, bits and values (SPEC §2, §3).
struct FormatsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "formats",
    abstract: "List number formats: id, display name, bits, values.",
    discussion: """
      Without --format, every built-in format. Ids: int4 int4-asym nf4 sf4 sf4@NU e2m1 e2m1-i e2m1-b e2m1-sr \
      e2m1-sp e1m2 e3m0 apot4 apot4-sp mxfp4 nvfp4 mxfp8-e4m3 mxfp8-e5m2 mxfp6-e2m3 mxfp6-e3m2 mxint8 \
      nvfp4-46 nvint4 if4 int8 fp8-e4m3 fp8-e5m2 nf3 sf3. The MX formats (blocks of 32, E8M0 scales) take a \
      scale rule as a suffix: ID:floor (the OCP spec, the default), ID:rceil (cuBLAS, torchao) or ID:even \
      (torchao), e.g. mxfp4:rceil. ID+VALUE adds a supernormal \
      value to a symmetric single-zero format (e2m1+2.5); ID+auto lets quant, report and the explorer choose \
      it per tensor (listed with its candidates); lloyd, lloyd@K (the least-MSE K-value codebook of a tensor), \
      lloyd@t and sf4@auto (the ν with the least MSE) are resolved per tensor by quant and report; lloyd@normal \
      is Max's 16-level quantizer of N(0,1); file:NAME names a --codebook table. llama.cpp's types q4_0 q4_1 \
      q5_0 q5_1 q8_0 q2_k q3_k q4_k q5_k q6_k iq4_nl iq4_xs and the lattice types iq2_s iq3_xxs iq3_s iq1_m \
      quantize as llama-quantize writes them without an imatrix entry; TYPE:imatrix (q4_k:imatrix) as it does \
      with the --imatrix given to quant, report or the explorer (iq2_xxs, iq2_xs and iq1_s only so: ggml makes \
      them only with an imatrix); mxfp4:ggml and nvfp4:ggml are llama.cpp's MXFP4 (ties to the smaller \
      magnitude, where the OCP mxfp4 rounds half to even) and NVFP4 (no tensor scale), tq1_0 and tq2_0 its \
      ternary types, q1_0 and q2_0 its 1- and 2-bit types; their values are their stored codes (the lattice types': each element's signed grid \
      value). Values are before \
      scaling; a group's amax maps onto the largest value, or onto the magnitude of a negative supernormal \
      value beyond the range (e2m1+-8: 8, not 6). For INT4-asym \
      they are its codes 0…15, for the MX and NVFP4 formats their element values (IF4: E2M1 and INT4·6/7 \
      merged). --json prints \
      {"id","name","bits","scale_bits","cost","values"} per format (cost: {"area","power","source"} or null), with "supernormal_value" for a supernormal variant, \
      "scale_onto" where amax maps onto a value other than the largest, and for ID+auto "values" of the \
      base and "auto" {"base","candidates","screening_elements","finalists"}.
      """)

  @Option(name: .customLong("format"), help: "A format id to show (repeatable).")
  var formats: [String] = []

  @Option(help: "A TOML file of user codebooks (ids file:NAME).")
  var codebook: String?

  @Flag(help: "Print a JSON array instead of the table.")
  var json = false

  @Option(help: "A TOML file of hardware costs that extends (or with replace = true replaces) the paper's.")
  var costs: String?

  @Flag(help: "Print the built-in hardware costs (the paper's Table 10) as a costs file to start from, and exit.")
  var costsTemplate = false

  func run() async throws {
    if costsTemplate {
      Console.writeOutput(HardwareCostTable.paperTOML + "\n")
      return
    }
    let costTable = try CostsOption.load(costs)
    let listed: [Listed]
    if formats.isEmpty {
      let user = try FormatSelection.userCodebooks(codebook)
      listed = (FormatCatalog.all + user.keys.sorted().compactMap { user[$0].map(QuantFormat.codebook) }).map {
        .fixed($0)
      }
    } else {
      listed = try FormatSelection.specs(formats, codebookFile: codebook).map { spec in
        if case .supernormalAuto(let base) = spec.kind { return .auto(id: spec.id, base: base) }
        do {
          return .fixed(try spec.resolved())
        } catch {
          throw UsageError("\(error); `tscope quant` resolves it on a tensor")
        }
      }
    }
    Console.writeOutput(json ? jsonText(listed, costs: costTable) + "\n" : table(listed, costs: costTable))
  }

  /// A format as listed: one that is fixed, or `ID+auto`, whose value each tensor chooses.
  enum Listed {
    case fixed(QuantFormat)
    case auto(id: String, base: Codebook)
  }

  private func jsonText(_ listed: [Listed], costs: HardwareCostTable) -> String {
    JSONText.array(
      listed.map { entry in
        switch entry {
        case .fixed(let format):
          var fields = [
            ("id", JSONText.string(format.id)),
            ("name", JSONText.string(format.name)),
            ("bits", String(format.bits)),
            ("scale_bits", String(BitsPerWeight.groupScaleBits(of: format))),
            ("cost", Self.costJSON(costs.cost(for: format.id))),
            ("values", JSONText.array(format.values.map(JSONText.number))),
          ]
          if case .codebook(let codebook) = format, let value = codebook.supernormalValue {
            fields.append(("supernormal_value", JSONText.number(value)))
          }
          if let onto = Self.scaleOnto(format) { fields.append(("scale_onto", JSONText.number(onto))) }
          return JSONText.object(fields)
        case .auto(let id, let base):
          return JSONText.object([
            ("id", JSONText.string(id)),
            ("name", JSONText.string("\(base.name)+auto")),
            ("bits", String(base.bits)),
            ("scale_bits", String(BitsPerWeight.defaultScaleBits)),
            ("cost", Self.costJSON(costs.cost(for: id))),
            ("values", JSONText.array(base.values.map(JSONText.number))),
            (
              "auto",
              JSONText.object([
                ("base", JSONText.string(base.id)),
                ("candidates", JSONText.array(SupernormalSearch.candidates(for: base).map(JSONText.number))),
                ("screening_elements", String(SupernormalSearch.screeningElements)),
                ("finalists", String(SupernormalSearch.finalists)),
              ])
            ),
          ])
        }
      })
  }

  /// One line per format; long codebooks (INT8, FP8) show their ends and the count. Notes
  /// below say how `ID+auto` chooses and where amax maps onto a value other than the largest.
  private static func costJSON(_ cost: HardwareCost?) -> String {
    guard let cost else { return "null" }
    return JSONText.object([
      ("area", JSONText.number(cost.area)), ("power", JSONText.number(cost.power)),
      ("source", JSONText.string(cost.source)),
    ])
  }

  private static func costText(_ cost: HardwareCost?) -> String {
    guard let cost else { return "—" }
    return "\(FormatCatalog.text(for: cost.area)) / \(FormatCatalog.text(for: cost.power))"
  }

  private func table(_ listed: [Listed], costs: HardwareCostTable) -> String {
    var rows = [["id", "name", "bits", "area / power", "values"]]
    var notes: [String] = []
    for entry in listed {
      switch entry {
      case .fixed(let format):
        rows.append([
          format.id, format.name, String(format.bits), Self.costText(costs.cost(for: format.id)),
          Self.valuesText(format.values),
        ])
        if let onto = Self.scaleOnto(format) {
          let largest = FormatCatalog.text(for: format.values.last ?? 0)
          notes.append(
            "\(format.id): a group's amax maps onto |\(FormatCatalog.text(for: -onto))| = "
              + "\(FormatCatalog.text(for: onto)) (the largest magnitude), not onto the largest value \(largest)")
        }
      case .auto(let id, let base):
        rows.append([
          id, "\(base.name)+auto", String(base.bits), Self.costText(costs.cost(for: id)),
          Self.valuesText(base.values) + " + auto",
        ])
        let candidates = SupernormalSearch.candidates(for: base)
        let step = FormatCatalog.text(for: base.fullScale / 48)
        let bound = FormatCatalog.text(for: 2 * base.fullScale)
        notes.append(
          "\(id): quant, report and the explorer choose the supernormal value per tensor: "
            + "\(candidates.count) candidates (multiples of \(step) = max/48 in (−\(bound), \(bound)), "
            + "not already values) screened on ~\(SupernormalSearch.screeningElements) sampled elements, "
            + "the best \(SupernormalSearch.finalists) measured on the whole tensor; the least MSE wins "
            + "(the smaller |value| on a tie). Rows name it: `supernormal_value` in JSON, "
            + "\(base.name)+auto=VALUE in tables.")
      }
    }
    let table = TextTable.render(rows, rightAligned: [])
    notes.append(
      "area / power: the MAC unit's (µm², µW at TSMC 28 nm, arXiv 2405.03103 Table 10, unless --costs says "
        + "otherwise); — where no cost is published")
    return table + "\n" + notes.map { $0 + "\n" }.joined()
  }

  private static func valuesText(_ numbers: [Double]) -> String {
    let values = numbers.map(FormatCatalog.text(for:))
    return values.count <= 17
      ? values.joined(separator: " ")
      : (values.prefix(4) + ["…"] + values.suffix(4)).joined(separator: " ") + "  (\(values.count) values)"
  }

  /// The magnitude amax maps onto when it is not the largest value (a negative extreme).
  private static func scaleOnto(_ format: QuantFormat) -> Double? {
    guard case .codebook(let codebook) = format, codebook.fullScale != codebook.values.last else {
      return nil
    }
    return codebook.fullScale
  }
}
