/// Aligned plain-text tables: every table the command line prints (`layers`, `fit`, `quant`,
/// `report`, `merge`) pads its columns here, by display width (`DisplayWidth`), so names with
/// wide or combining characters keep the columns after them aligned.
public enum TextTable {
  /// `rows` (the header first, if any) padded to each column's widest cell and joined by two
  /// spaces, columns in `rightAligned` padded on the left; trailing spaces trimmed. A row may have
  /// fewer cells than others. One string per row, without a newline.
  public static func lines(_ rows: [[String]], rightAligned: Set<Int>) -> [String] {
    let columns = rows.map(\.count).max() ?? 0
    let widths = (0..<columns).map { column in
      rows.map { column < $0.count ? DisplayWidth.of($0[column]) : 0 }.max() ?? 0
    }
    return rows.map { cells in
      var line = ""
      for (column, cell) in cells.enumerated() {
        if column > 0 { line += "  " }
        line +=
          rightAligned.contains(column)
          ? DisplayWidth.leftPadded(cell, widths[column]) : DisplayWidth.padded(cell, widths[column])
      }
      while line.last == " " { line.removeLast() }
      return line
    }
  }

  /// `lines(rows, rightAligned:)`, each ended by a newline.
  public static func render(_ rows: [[String]], rightAligned: Set<Int>) -> String {
    lines(rows, rightAligned: rightAligned).map { $0 + "\n" }.joined()
  }
}
