/// How many colours the terminal shows. Decided once at start (SPEC §6): the command-line flag,
/// then the theme (a monochrome theme), then `NO_COLOR`, then `COLORTERM`/`TERM`.
public enum ColorMode: String, Sendable, CaseIterable {
  case truecolor
  case color256 = "256"
  case color8 = "8"
  case mono

  public static func decide(flag: ColorMode?, theme: Theme, environment: [String: String]) -> ColorMode {
    if let flag { return flag }
    if theme.isMonochrome { return .mono }
    if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .mono }
    let colorTerm = (environment["COLORTERM"] ?? "").lowercased()
    if colorTerm == "truecolor" || colorTerm == "24bit" { return .truecolor }
    let term = (environment["TERM"] ?? "").lowercased()
    if term.contains("direct") { return .truecolor }
    if term.contains("256") { return .color256 }
    if term.isEmpty || term == "dumb" { return .mono }
    return .color8
  }

  /// The xterm-256 index closest to an RGB colour (the 6×6×6 cube or the grey ramp).
  public static func index256(_ red: UInt8, _ green: UInt8, _ blue: UInt8) -> Int {
    let levels = [0, 95, 135, 175, 215, 255]
    func nearestLevel(_ value: UInt8) -> Int {
      levels.indices.min { abs(levels[$0] - Int(value)) < abs(levels[$1] - Int(value)) }!
    }
    let (r, g, b) = (nearestLevel(red), nearestLevel(green), nearestLevel(blue))
    let cube = (levels[r], levels[g], levels[b])
    let average = (Int(red) + Int(green) + Int(blue)) / 3
    let greyStep = min(max((average - 8 + 5) / 10, 0), 23)
    let grey = 8 + greyStep * 10
    func distance(_ c: (Int, Int, Int)) -> Int {
      let dr = c.0 - Int(red)
      let dg = c.1 - Int(green)
      let db = c.2 - Int(blue)
      return dr * dr + dg * dg + db * db
    }
    return distance((grey, grey, grey)) < distance(cube) ? 232 + greyStep : 16 + 36 * r + 6 * g + b
  }

  /// The closest of the 8 basic colours (0 black … 7 white), and whether it should be bright (bold).
  public static func index8(_ red: UInt8, _ green: UInt8, _ blue: UInt8) -> (index: Int, bright: Bool) {
    let brightest = max(red, green, blue)
    guard brightest >= 48 else { return (0, false) }
    let threshold = UInt8(Double(brightest) * 0.6)
    let index = (red >= threshold ? 1 : 0) | (green >= threshold ? 2 : 0) | (blue >= threshold ? 4 : 0)
    return (index, brightest >= 200 && index != 7 || (index == 7 && brightest >= 230))
  }
}
