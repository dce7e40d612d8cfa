import ArgumentParser
import Formats
import Reporting

/// `tscope formats [--json] [--format ID]...`: codebooks with id, display name, bits and values (SPEC §2, §3).
struct FormatsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "formats",
    abstract: "List number formats: id, display name, bits, values.",
    discussion: """
      Without --format, every built-in format. Ids: int4 int4-asym nf4 sf4 sf4@NU e2m1 e2m1-i e2m1-b e2m1-sr \
      e2m1-sp e1m2 e3m0 apot4 apot4-sp mxfp4 nvfp4 int8 fp8-e4m3 fp8-e5m2 nf3 sf3; ID+VALUE adds a supernormal \
      value to a symmetric single-zero format (e2m1+2.5); file:NAME names a --codebook table. Values are before \
      scaling. For INT4-asym they are its codes 0…15, for MXFP4/NVFP4 the E2M1 element values. \
      --json prints {"id","name","bits","values"} per format.
      """)

  @Option(name: .customLong("format"), help: "A format id to show (repeatable).")
  var formats: [String] = []

  @Option(help: "A TOML file of user codebooks (ids file:NAME).")
  var codebook: String?

  @Flag(help: "Print a JSON array instead of the table.")
  var json = false

  func run() async throws {
    let listed: [QuantFormat]
    if formats.isEmpty {
      let user = try FormatSelection.userCodebooks(codebook)
      listed = FormatCatalog.all + user.keys.sorted().compactMap { user[$0].map(QuantFormat.codebook) }
    } else {
      listed = try FormatSelection.specs(formats, codebookFile: codebook).map { spec in
        do {
          return try spec.resolved()
        } catch {
          throw UsageError("\(error); `tscope quant` resolves it on a tensor")
        }
      }
    }
    Console.writeOutput(json ? jsonText(listed) + "\n" : table(listed))
  }

  private func jsonText(_ formats: [QuantFormat]) -> String {
    JSONText.array(
      formats.map { format in
        JSONText.object([
          ("id", JSONText.string(format.id)),
          ("name", JSONText.string(format.name)),
          ("bits", String(format.bits)),
          ("values", JSONText.array(format.values.map(JSONText.number))),
        ])
      })
  }

  /// One line per format; long codebooks (INT8, FP8) show their ends and the count.
  private func table(_ formats: [QuantFormat]) -> String {
    var rows = [["id", "name", "bits", "values"]]
    for format in formats {
      let values = format.values.map(FormatCatalog.text(for:))
      let shown =
        values.count <= 17
        ? values.joined(separator: " ")
        : (values.prefix(4) + ["…"] + values.suffix(4)).joined(separator: " ") + "  (\(values.count) values)"
      rows.append([format.id, format.name, String(format.bits), shown])
    }
    return TextTable.render(rows, rightAligned: [])
  }
}
