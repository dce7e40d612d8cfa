/// A plotting surface of dots, 2×4 per cell (braille) in Unicode mode or 1×1 per cell in ASCII
/// mode; each cell takes the style of the last layer that set one of its dots (as ratatui's
/// Canvas does), so curves drawn after the bars stay visible.
struct DotCanvas {
  let columns: Int
  let rows: Int
  let isBraille: Bool
  private var bits: [UInt8]
  private var styles: [Style?]
  /// In ASCII mode, the character a layer stamps (`#` bars, `*` curves).
  private var marks: [Character]

  init(columns: Int, rows: Int, isBraille: Bool) {
    self.columns = max(columns, 0)
    self.rows = max(rows, 0)
    self.isBraille = isBraille
    bits = Array(repeating: 0, count: self.columns * self.rows)
    styles = Array(repeating: nil, count: self.columns * self.rows)
    marks = Array(repeating: " ", count: self.columns * self.rows)
  }

  /// Dots across and down.
  var dotWidth: Int { columns * (isBraille ? 2 : 1) }
  var dotHeight: Int { rows * (isBraille ? 4 : 1) }

  /// Sets the dot at (x, y), y = 0 at the bottom.
  mutating func set(x: Int, y: Int, style: Style, mark: Character) {
    guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
    let top = dotHeight - 1 - y
    let column = isBraille ? x / 2 : x
    let row = isBraille ? top / 4 : top
    let cell = row * columns + column
    if isBraille {
      // Braille dot numbering: left column 1,2,3,7 and right column 4,5,6,8, top to bottom.
      let left: [UInt8] = [0x01, 0x02, 0x04, 0x40]
      let right: [UInt8] = [0x08, 0x10, 0x20, 0x80]
      bits[cell] |= (x % 2 == 0 ? left : right)[top % 4]
    } else {
      bits[cell] = 1
      marks[cell] = mark
    }
    styles[cell] = style
  }

  /// A vertical bar from the bottom up to `height` dots at column x.
  mutating func bar(x: Int, height: Int, style: Style, mark: Character) {
    for y in 0..<min(height, dotHeight) { set(x: x, y: y, style: style, mark: mark) }
  }

  /// A polyline through (x, y) points, one per dot column, joined vertically so steep parts stay connected.
  mutating func curve(_ heights: [Double], style: Style, mark: Character) {
    var previous: Int?
    for (x, value) in heights.enumerated() {
      guard value.isFinite else {
        previous = nil
        continue
      }
      let y = Int(value.rounded())
      if let previous, abs(previous - y) > 1 {
        let step = previous < y ? 1 : -1
        var fill = previous + step
        while fill != y {
          if fill >= 0 && fill < dotHeight { set(x: x, y: fill, style: style, mark: mark) }
          fill += step
        }
      }
      if y >= 0 && y < dotHeight { set(x: x, y: y, style: style, mark: mark) }
      previous = min(max(y, -1), dotHeight)
    }
  }

  /// Copies the canvas onto the screen at (x, y); empty cells keep `background`.
  func draw(on screen: inout Screen, x: Int, y: Int, background: Style) {
    for row in 0..<rows {
      for column in 0..<columns {
        let cell = row * columns + column
        guard bits[cell] != 0, let style = styles[cell] else {
          screen[x + column, y + row] = Cell(" ", background)
          continue
        }
        let character: Character =
          isBraille ? Character(Unicode.Scalar(0x2800 + UInt32(bits[cell]))!) : marks[cell]
        screen[x + column, y + row] = Cell(character, style)
      }
    }
  }
}
