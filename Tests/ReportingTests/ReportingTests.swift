import Foundation
import Testing

@testable import Reporting

private func row(_ name: String, _ format: String, sqnr: Double?) -> ReportRow {
  ReportRow(
    name: name, format: format, group: "128", scaleMode: "absmax", count: 10, nu: 5, tScale: 0.02,
    normalStd: 0.03, bestFit: "t", mse: 1e-6, sqnrDB: sqnr, maxAbsError: 0.01, relativeL2: 0.1)
}

@Test func summaryCountsWinsMeansAndWorstPerFormat() {
  let rows = [
    row("a", "nf4", sqnr: 20), row("a", "sf4", sqnr: 21),
    row("b", "nf4", sqnr: 18), row("b", "sf4", sqnr: 17),
    row("c", "nf4", sqnr: 19), row("c", "sf4", sqnr: 19),
  ]
  let summary = FormatSummary.summarize(rows)
  #expect(summary.map(\.format) == ["nf4", "sf4"])
  #expect(summary[0].meanSQNRDB == 19 && summary[1].meanSQNRDB == 19)
  // c is a tie: both formats win it.
  #expect(summary[0].wins == 2 && summary[1].wins == 2)
  #expect(summary[0].worst == "b" && summary[1].worst == "b")
}

@Test func summarySkipsRowsWithoutSQNR() {
  let summary = FormatSummary.summarize([row("zeros", "nf4", sqnr: nil)])
  #expect(
    summary == [
      FormatSummary(
        format: "nf4", meanSQNRDB: nil, wins: 0, worst: nil, tensors: 0, params: 0, weightedSQNRDB: nil,
        bitsPerWeight: nil)
    ])
}

@Test func shardSpecsParseOnlyWhenInRange() {
  #expect(ShardPlan(parsing: "1/1")?.shard == ShardInfo(index: 1, count: 1))
  #expect(ShardPlan(parsing: "2/3")?.shard == ShardInfo(index: 2, count: 3))
  for bad in ["3/2", "0/2", "1/0", "-1/2", "1/2/3", "a/2", "", "/"] { #expect(ShardPlan(parsing: bad) == nil) }
}

@Test func shardsPartitionEveryTensorExactlyOnceInOrder() {
  var generator = SystemRandomNumberGenerator()
  for _ in 0..<200 {
    let tensors = Int.random(in: 0...40, using: &generator)
    let counts = (0..<tensors).map { _ in Int.random(in: 0...1_000_000, using: &generator) }
    for shardCount in 1...8 {
      let ranges = (1...shardCount).map {
        ShardPlan(shard: ShardInfo(index: $0, count: shardCount)).positions(elementCounts: counts)
      }
      #expect(ranges.first!.lowerBound == 0 && ranges.last!.upperBound == tensors)
      for (left, right) in zip(ranges, ranges.dropFirst()) { #expect(left.upperBound == right.lowerBound) }
    }
  }
}

@Test func shardsBalanceEqualTensors() {
  let ranges = (1...4).map {
    ShardPlan(shard: ShardInfo(index: $0, count: 4)).positions(elementCounts: [Int](repeating: 7, count: 8))
  }
  #expect(ranges.map(\.count) == [2, 2, 2, 2])
}

@Test func slurmArrayVariablesPickTheShard() throws {
  let zeroBased = try #require(ShardPlan.fromSlurm(["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4"]))
  #expect(try zeroBased.get().shard == ShardInfo(index: 1, count: 4))
  let oneBased = try #require(
    ShardPlan.fromSlurm(["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"]))
  #expect(try oneBased.get().shard == ShardInfo(index: 4, count: 4))
  let broken = try #require(ShardPlan.fromSlurm(["SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_COUNT": "4"]))
  #expect(throws: SlurmShardError.self) { try broken.get() }
  #expect(ShardPlan.fromSlurm([:]) == nil)
}

@Test func csvQuotesOnlyWhatNeedsQuoting() {
  #expect(ReportText.csvField("plain.name") == "plain.name")
  #expect(ReportText.csvField("a,b") == "\"a,b\"")
  #expect(ReportText.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
  let line = ReportText.csvLine(row("x", "nf4", sqnr: nil))
  #expect(line.split(separator: ",", omittingEmptySubsequences: false).count == ReportRow.columns.count)
}

@Test func jsonRoundTripsAndKeepsNullFields() throws {
  let document = ReportDocument(
    model: "m.safetensors", modelFingerprint: "f", modelTensors: 2,
    settings: ReportSettings(formats: ["nf4"], group: "128", scaleMode: "absmax"), shard: nil,
    rows: [row("a", "nf4", sqnr: nil)])
  let data = try document.jsonData()
  let text = String(decoding: data, as: UTF8.self)
  #expect(text.contains("\"sqnr_db\" : null"))
  #expect(try JSONDecoder().decode(ReportDocument.self, from: data) == document)
}

private func part(_ index: Int, of count: Int, fingerprint: String = "f", group: String = "128", rows: [ReportRow])
  -> (file: String, document: ReportDocument)
{
  (
    "part\(index).json",
    ReportDocument(
      model: "m", modelFingerprint: fingerprint, modelTensors: 3,
      settings: ReportSettings(formats: ["nf4", "sf4"], group: group, scaleMode: "absmax"),
      shard: ShardInfo(index: index, count: count), rows: rows)
  )
}

@Test func mergeConcatenatesInShardOrderAndResummarizes() throws {
  let merged = try ReportMerge.merge([
    part(2, of: 2, rows: [row("b", "nf4", sqnr: 18)]),
    part(1, of: 2, rows: [row("a", "nf4", sqnr: 20)]),
  ])
  #expect(merged.rows.map(\.name) == ["a", "b"])
  #expect(merged.shard == nil)
  #expect(merged.summary == FormatSummary.summarize(merged.rows))
}

@Test func mergeRefusesMismatchedOrIncompleteParts() {
  #expect(throws: MergeError.self) { try ReportMerge.merge([part(1, of: 2, rows: [])]) }
  #expect(throws: MergeError.self) {
    try ReportMerge.merge([part(1, of: 2, rows: []), part(2, of: 2, fingerprint: "other", rows: [])])
  }
  #expect(throws: MergeError.self) {
    try ReportMerge.merge([part(1, of: 2, rows: []), part(2, of: 2, group: "32", rows: [])])
  }
  #expect(throws: MergeError.self) { try ReportMerge.merge([part(1, of: 2, rows: []), part(1, of: 2, rows: [])]) }
}

@Test func numbersReadTheWayTablesPrintThem() {
  #expect(NumberText.grouped(1_234_567) == "1,234,567" && NumberText.grouped(-1000) == "-1,000")
  #expect(NumberText.bytes(1536) == "1.5 KiB" && NumberText.bytes(1023) == "1023 B")
  #expect(NumberText.scientific(0.000012345, digits: 3) == "1.234e-05")
  #expect(NumberText.fixed(21.3749, digits: 2) == "21.37")
  #expect(NumberText.significant(0.0203125, digits: 4) == "0.02031")
  // ν at the fitter's bound says what it means; below it, the caller's digits.
  #expect(NumberText.nu(1e7, upperBound: 1e7) { NumberText.significant($0, digits: 3) } == "≥1e7 (normal)")
  #expect(NumberText.nu(7.37e6, upperBound: 1e7) { NumberText.significant($0, digits: 3) } == "7.37e+06")
}

@Test func jsonNumbersAreNullWhenNotFinite() {
  #expect(JSONText.number(0.25) == "0.25" && JSONText.number(nil) == "null")
  #expect(JSONText.number(.infinity) == "null" && JSONText.number(.nan) == "null")
  #expect(JSONText.string(nil as String?) == "null" && JSONText.string("a\"b") == "\"a\\\"b\"")
}

@Test func tablesPadEveryColumnAndTrimTrailingSpaces() {
  let text = TextTable.render([["name", "n"], ["a", "100"], ["longer"]], rightAligned: [1])
  #expect(text == "name      n\na       100\nlonger\n")
}

@Test func quantRowsWriteGroupAsAStringAndAReasonWhereANumberIsMissing() throws {
  var missing = row("zeros", "sf4@fit", sqnr: nil)
  missing.mse = nil
  missing.reason = "no t fit"
  missing.codeUsage = [0, 16]
  let text = missing.quantJSON
  #expect(text.contains("\"group\":\"128\"") && text.contains("\"mse\":null"))
  #expect(text.contains("\"code_usage\":[0,16]") && text.hasSuffix("\"reason\":\"no t fit\"}"))
  // Report files hold the row without the table-only fields, and read it back whole.
  let stored = missing.reportFields
  let data = try JSONEncoder().encode(stored)
  #expect(try JSONDecoder().decode(ReportRow.self, from: data) == stored)
  #expect(ReportText.csvLine(stored).hasSuffix(",no t fit\n"))
}
