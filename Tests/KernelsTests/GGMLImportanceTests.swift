import Formats
import Foundation
import TensorIO
import Testing

@testable import Kernels

/// `TYPE:imatrix` on an expert tensor: each expert's rows are quantized with that expert's
/// importance (the same x̂ as the expert alone with its own weights), and an expert no
/// calibration token reached is quantized with importance 1, as llama-quantize's `load_imatrix` does.
struct GGMLImportanceTests {
  private let experts = 3
  private let rowsPerExpert = 4
  private let columns = 256

  private func values(_ count: Int) -> [Float] {
    (0..<count).map { Float(sin(Double($0) * 0.61) * (1 + Double($0 % 11))) * 0.02 }
  }

  private func weights(_ count: Int) -> [Float] { (0..<count).map { Float(1 + ($0 * 7919) % 97) / 8 } }

  @Test(arguments: ["q4_k", "q3_k", "q6_k", "q4_0", "q5_1"])
  func eachExpertTakesItsOwnImportance(typeID: String) throws {
    let type = try #require(GGMLFormat(rawValue: typeID))
    let x = values(experts * rowsPerExpert * columns)
    let a = weights(experts * columns)
    let whole = TensorFixtures.f32(x, shape: [experts, rowsPerExpert, columns])
    let importance = GGMLImportance(values: a, rowLength: columns, rowsPerExpert: rowsPerExpert)
    let together = try Quantizer.dequantize(whole, format: .ggml(type, importance: importance))
    let expertSize = rowsPerExpert * columns
    for expert in 0..<experts {
      let rows = (expert * expertSize)..<((expert + 1) * expertSize)
      let alone = TensorFixtures.f32(Array(x[rows]), shape: [rowsPerExpert, columns])
      let own = GGMLImportance(
        values: Array(a[(expert * columns)..<((expert + 1) * columns)]), rowLength: columns,
        rowsPerExpert: rowsPerExpert)
      let separately = try Quantizer.dequantize(alone, format: .ggml(type, importance: own))
      #expect(Array(together[rows]) == separately, "expert \(expert)")
    }
    // The importance changes the result (else this test could not tell the experts apart).
    let reference = try Quantizer.dequantize(whole, format: .ggml(type))
    #expect(reference != together)
  }

  @Test func anUnseenExpertIsQuantizedWithImportanceOne() throws {
    let a = weights(experts * columns)
    var zeroed = a
    for column in columns..<(2 * columns) { zeroed[column] = 0 }  // tscope's E[x²] of expert 1: 0
    let read = ImportanceWeights(values: zeroed, rowLength: columns, rowsPerExpert: rowsPerExpert, unseenExperts: [1])
    let guide = GGMLImportance(read)
    #expect(Array(guide.values[0..<columns]) == Array(a[0..<columns]))
    #expect(guide.values[columns..<(2 * columns)].allSatisfy { $0 == 1 })
    #expect(Array(guide.values[(2 * columns)...]) == Array(a[(2 * columns)...]))
  }

  /// `diff --made-by` quantizes a tensor in chunks of rows: rows alone with `restricted(to:)` give
  /// the values they get in the whole tensor — within one expert, or whole experts.
  @Test(arguments: [5..<7, 4..<12, 0..<12, 9..<11, 8..<12, 0..<3, 4..<8])
  func rowsAloneTakeTheirExpertsImportance(rows: Range<Int>) throws {
    let x = values(experts * rowsPerExpert * columns)
    let importance = GGMLImportance(
      values: weights(experts * columns), rowLength: columns, rowsPerExpert: rowsPerExpert)
    let whole = TensorFixtures.f32(x, shape: [experts * rowsPerExpert, columns])
    let together = try Quantizer.dequantize(whole, format: .ggml(.q4_k, importance: importance))
    let elements = (rows.lowerBound * columns)..<(rows.upperBound * columns)
    let part = TensorFixtures.f32(Array(x[elements]), shape: [rows.count, columns])
    let alone = try Quantizer.dequantize(part, format: .ggml(.q4_k, importance: importance.restricted(to: rows)))
    #expect(alone == Array(together[elements]))
  }

  @Test func aMissingEntryIsTheReferencePath() throws {
    let tensor = TensorFixtures.f32(values(rowsPerExpert * columns), shape: [rowsPerExpert, columns])
    for type in GGMLFormat.allCases {
      let missing = try Quantizer.dequantize(tensor, format: .ggml(type, importance: .missing))
      #expect(missing == (try Quantizer.dequantize(tensor, format: .ggml(type))), "\(type.name)")
    }
  }
}
