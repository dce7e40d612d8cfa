import Foundation

/// Numbers as people read them: one place for every table of `layers`, `fit`, `quant` and
/// `report` and for the explorer's screen (its narrow columns use the short forms at the end).
public enum NumberText {
  /// `1234567` → `"1,234,567"`.
  public static func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (offset, digit) in digits.enumerated() {
      if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
      result.append(digit)
    }
    return value < 0 ? "-" + result : result
  }

  /// `1536` → `"1.5 KiB"`; whole bytes below 1 KiB.
  public static func bytes(_ value: Int) -> String {
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

  /// `1_500_000` → `"1.5 MB"` (decimal units, for throughput); whole bytes below 1 kB.
  public static func decimalBytes(_ count: Int) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(count)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
  }

  /// `75` → `"1m15s"`, `42` → `"42s"` (whole seconds).
  public static func duration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    return total >= 60 ? "\(total / 60)m\(String(format: "%02d", total % 60))s" : "\(total)s"
  }

  /// `digits` decimals in scientific notation (`%.3e`): `1.234e-05`.
  public static func scientific(_ value: Double, digits: Int) -> String { String(format: "%.\(digits)e", value) }

  /// `digits` decimals (`%.2f`): `21.37`.
  public static func fixed(_ value: Double, digits: Int) -> String { String(format: "%.\(digits)f", value) }

  /// `digits` significant digits, the shorter of fixed and scientific (`%.4g`): `0.02031`, `1e+07`.
  public static func significant(_ value: Double, digits: Int) -> String { String(format: "%.\(digits)g", value) }

  /// The shortest text that reads back as the same Double (what JSON and CSV get).
  public static func roundTrip(_ value: Double) -> String { "\(value)" }

  /// A fitted ν for people: `text(value)`, or `≥1e7 (normal)` at the fitter's `upperBound`, where
  /// the likelihood was still rising: the data are normal, and the number itself says nothing more.
  public static func nu(_ value: Double, upperBound: Double, text: (Double) -> String) -> String {
    value >= upperBound ? "≥\(powerOfTen(upperBound)) (normal)" : text(value)
  }

  /// `1e7` rather than `%g`'s `1e+07`, for round bounds in prose.
  static func powerOfTen(_ value: Double) -> String {
    let parts = String(format: "%.0e", value).split(separator: "e")
    guard parts.count == 2, let exponent = Int(parts[1]) else { return significant(value, digits: 1) }
    return "\(parts[0])e\(exponent)"
  }

  /// `22.7M`, `1.3B`, `12.5k`, `4096`: a count in a few columns (the explorer's title and y axis).
  public static func abbreviated(_ count: Int) -> String {
    let value = Double(count)
    if value >= 1e9 { return fixed(value / 1e9, digits: 1) + "B" }
    if value >= 1e6 { return fixed(value / 1e6, digits: 1) + "M" }
    if value >= 1e4 { return fixed(value / 1e3, digits: 1) + "k" }
    return String(count)
  }

  /// `1.23e-5`: `digits` decimals in scientific notation with the exponent as short as it goes,
  /// and `0` for zero (the explorer's narrow table columns).
  public static func shortScientific(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : "inf" }
    if value == 0 { return "0" }
    let parts = scientific(value, digits: digits).split(separator: "e")
    guard parts.count == 2, let exponent = Int(parts[1]) else { return scientific(value, digits: digits) }
    return "\(parts[0])e\(exponent)"
  }

  /// An axis label: fixed for moderate magnitudes (3 significant digits or so), short
  /// scientific otherwise: `0.125`, `-2.50`, `12.5`, `3.1e-3`.
  public static func compact(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude == 0 { return "0" }
    if magnitude >= 0.01 && magnitude < 1000 {
      return fixed(value, digits: magnitude >= 10 ? 1 : (magnitude >= 0.1 ? 2 : 3))
    }
    return shortScientific(value, digits: 1)
  }

  /// `12 ms`, `3.4 ms`.
  public static func milliseconds(_ value: Double) -> String {
    value >= 10 ? "\(Int(value.rounded())) ms" : "\(fixed(value, digits: 1)) ms"
  }
}
