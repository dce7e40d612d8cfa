/// Numbers as people read them in tables: thousands separators and binary byte units.
enum NumberText {
  /// `1234567` → `"1,234,567"`.
  static func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (offset, digit) in digits.enumerated() {
      if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
      result.append(digit)
    }
    return value < 0 ? "-" + result : result
  }

  /// `1536` → `"1.5 KiB"`; whole bytes below 1 KiB.
  static func bytes(_ value: Int) -> String {
    let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
    guard value >= 1024 else { return "\(value) B" }
    var scaled = Double(value) / 1024
    var unit = 0
    while scaled >= 1024 && unit < units.count - 1 {
      scaled /= 1024
      unit += 1
    }
    let tenths = (scaled * 10).rounded()
    return "\(Int(tenths) / 10).\(Int(tenths) % 10) \(units[unit])"
  }
}
