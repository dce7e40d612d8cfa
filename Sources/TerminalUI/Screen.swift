import Reporting

/// A colour as themes name it: the terminal's own default, or 24-bit RGB (reduced to the
/// terminal's colour mode by the backend).
public enum Color: Hashable, Sendable {
  case terminalDefault
  case rgb(UInt8, UInt8, UInt8)
}

/// How one cell is drawn.
public struct Style: Hashable, Sendable {
  public var foreground: Color
  public var background: Color
  public var bold: Bool
  public var underline: Bool
  public var reverse: Bool

  public init(
    foreground: Color = .terminalDefault, background: Color = .terminalDefault, bold: Bool = false,
    underline: Bool = false, reverse: Bool = false
  ) {
    self.foreground = foreground
    self.background = background
    self.bold = bold
    self.underline = underline
    self.reverse = reverse
  }

  public static let plain = Style()
}

/// One character cell. A wide character (two columns, `DisplayWidth`) sits in the cell on its
/// left; the cell on its right is its continuation, which holds nothing to print: backends and
/// the text forms skip it.
public struct Cell: Hashable, Sendable {
  public var character: Character
  public var style: Style
  /// Whether this is the right half of the wide character in the cell to its left.
  public var isContinuation: Bool

  public init(_ character: Character, _ style: Style) {
    self.character = character
    self.style = style
    isContinuation = false
  }

  /// The right half of a wide character drawn in `style`.
  public static func continuation(_ style: Style) -> Cell {
    var cell = Cell(" ", style)
    cell.isContinuation = true
    return cell
  }
}

/// A grid of styled cells: what a frame looks like, independent of any terminal.
public struct Screen: Hashable, Sendable {
  public let width: Int
  public let height: Int
  public private(set) var cells: [Cell]

  public init(width: Int, height: Int, fill: Style = .plain) {
    self.width = max(width, 0)
    self.height = max(height, 0)
    cells = Array(repeating: Cell(" ", fill), count: self.width * self.height)
  }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set {
      guard x >= 0, y >= 0, x < width, y < height else { return }
      store(newValue, x: x, y: y)
    }
  }

  /// Writes `text` from (x, y), clipped to `limit` columns (and to the screen): a wide character
  /// takes two cells (and stops the text where only one is left), a zero-width one none.
  /// Returns columns written.
  @discardableResult
  public mutating func put(_ text: String, x: Int, y: Int, style: Style, limit: Int = .max) -> Int {
    guard y >= 0, y < height else { return 0 }
    var column = x
    let end = min(width, limit == .max ? width : x + limit)
    for character in text {
      let columns = DisplayWidth.of(character)
      if columns == 0 { continue }
      if column + columns > end { break }
      if column >= 0 { store(Cell(character, style), x: column, y: y) }
      if columns == 2 && column + 1 >= 0 { store(.continuation(style), x: column + 1, y: y) }
      column += columns
    }
    return max(column - x, 0)
  }

  /// Stores `cell` at (x, y), inside the screen; a wide character it cuts in half loses its
  /// other half too (a space in that half's style), so no half is ever left on the screen.
  private mutating func store(_ cell: Cell, x: Int, y: Int) {
    let index = y * width + x
    let old = cells[index]
    if old.isContinuation && !cell.isContinuation && x > 0 {
      cells[index - 1] = Cell(" ", cells[index - 1].style)
    }
    if !old.isContinuation && x + 1 < width && cells[index + 1].isContinuation {
      cells[index + 1] = Cell(" ", cells[index + 1].style)
    }
    cells[index] = cell
  }

  /// Fills a rectangle with one character and style.
  public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, character: Character = " ", style: Style) {
    for row in max(y, 0)..<min(y + h, height) {
      for column in max(x, 0)..<min(x + w, width) { store(Cell(character, style), x: column, y: row) }
    }
  }

  /// Changes only the style of a rectangle (keeps characters), e.g. to highlight a row.
  public mutating func restyle(x: Int, y: Int, width w: Int, style: Style) {
    guard y >= 0, y < height else { return }
    for column in max(x, 0)..<min(x + w, width) { cells[y * width + column].style = style }
  }

  /// Row `y` as plain text (trailing spaces kept: every row takes exactly `width` columns; a wide
  /// character's continuation cell adds nothing).
  public func text(row y: Int) -> String {
    String(cells[(y * width)..<((y + 1) * width)].filter { !$0.isContinuation }.map(\.character))
  }

  /// The whole screen as text lines, trailing spaces trimmed.
  public var plainText: String {
    (0..<height).map { row in
      var line = text(row: row)
      while line.last == " " { line.removeLast() }
      return line
    }.joined(separator: "\n")
  }
}
