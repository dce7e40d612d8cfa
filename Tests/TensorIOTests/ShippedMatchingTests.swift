import Testing

@testable import TensorIO

/// llama.cpp's `LlamaModel.permute`, `w.reshape(heads, 2, half, cols).swapaxes(1, 2).reshape(...)`,
/// spelled out as the loops numpy runs: output row (h, i, j) in C order is input row (h, j, i).
@Test func permutedRowsFollowTheConvertersReshape() {
  for (rows, heads) in [(64, 4), (32, 2), (8, 1), (12, 3)] {
    let half = rows / heads / 2
    var expected: [Int] = []
    for head in 0..<heads {
      for i in 0..<half {
        for j in 0..<2 { expected.append(head * 2 * half + j * half + i) }
      }
    }
    #expect(ShippedMatching.permutedRows(rows: rows, heads: heads) == expected)
  }
}
