/// TOML 1.0's booleans, integers, floats and date-times (toml.io/en/v1.0.0, the ABNF), checked as
/// one token of bytes for `TOMLGrammarReader`. Dates are checked as dates (a month has its days,
/// February 29 only in a leap year), as a TOML reader must.
enum TOMLScalar {
  static func isValid(_ token: ArraySlice<UInt8>) -> Bool {
    let bytes = Array(token)
    return bytes == Array("true".utf8) || bytes == Array("false".utf8) || isNumber(bytes) || isDateTime(bytes)
  }

  /// full-date = 4DIGIT "-" 2DIGIT "-" 2DIGIT, by its shape only.
  static func isLocalDate(_ token: ArraySlice<UInt8>) -> Bool {
    let bytes = Array(token)
    return bytes.count == 10 && dateFields(bytes, at: 0) != nil
  }

  /// integer / float: dec-int (signed), hex-int, oct-int, bin-int (unsigned), a decimal float with
  /// a fraction, an exponent or both, and inf / nan with an optional sign. Underscores only between
  /// digits.
  private static func isNumber(_ bytes: [UInt8]) -> Bool {
    var cursor = Cursor(bytes: bytes)
    for (prefix, isDigit) in [("0x", isHexDigit), ("0o", isOctalDigit), ("0b", isBinaryDigit)]
    where bytes.starts(with: prefix.utf8) {
      cursor.index = 2
      return cursor.digits(isDigit) && cursor.atEnd
    }
    _ = cursor.take("+") || cursor.take("-")
    if cursor.rest.elementsEqual("inf".utf8) || cursor.rest.elementsEqual("nan".utf8) { return true }
    // unsigned-dec-int = DIGIT / digit1-9 1*( DIGIT / underscore DIGIT )
    guard cursor.take("0") || cursor.digits(isDecimalDigit) else { return false }
    if cursor.take(".") && !cursor.digits(isDecimalDigit) { return false }
    if cursor.take("e") || cursor.take("E") {
      _ = cursor.take("+") || cursor.take("-")
      if !cursor.digits(isDecimalDigit) { return false }
    }
    return cursor.atEnd
  }

  /// offset-date-time / local-date-time / local-date / local-time.
  private static func isDateTime(_ bytes: [UInt8]) -> Bool {
    if let (year, month, day) = dateFields(bytes, at: 0) {
      guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return false }
      if bytes.count == 10 { return true }
      // time-delim = "T" / %x20 (ABNF strings ignore case, so "t" too)
      guard [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[10]),
        var index = partialTimeEnd(bytes, at: 11)
      else { return false }
      if index < bytes.count && (bytes[index] | 0x20) == UInt8(ascii: "z") {
        index += 1
      } else if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
        guard let (hour, minute) = twoFields(bytes, at: index + 1, separator: ":"), hour <= 23, minute <= 59 else {
          return false
        }
        index += 6
      }
      return index == bytes.count
    }
    return partialTimeEnd(bytes, at: 0) == bytes.count
  }

  /// partial-time = 2DIGIT ":" 2DIGIT ":" 2DIGIT [ "." 1*DIGIT ]: where it ends, or nil. No leap
  /// second: toml++ and Python's tomllib both refuse a second of 60.
  private static func partialTimeEnd(_ bytes: [UInt8], at start: Int) -> Int? {
    guard let (hour, minute) = twoFields(bytes, at: start, separator: ":"), hour <= 23, minute <= 59,
      start + 7 < bytes.count, bytes[start + 5] == UInt8(ascii: ":"),
      let second = number(bytes, from: start + 6, count: 2), second <= 59
    else { return nil }
    var index = start + 8
    if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
      index += 1
      let digitsStart = index
      while index < bytes.count && isDecimalDigit(bytes[index]) { index += 1 }
      if index == digitsStart { return nil }
    }
    return index
  }

  private static func dateFields(_ bytes: [UInt8], at start: Int) -> (year: Int, month: Int, day: Int)? {
    guard bytes.count >= start + 10, let year = number(bytes, from: start, count: 4),
      bytes[start + 4] == UInt8(ascii: "-"), let (month, day) = twoFields(bytes, at: start + 5, separator: "-")
    else { return nil }
    return (year, month, day)
  }

  /// Two 2-digit numbers parted by `separator` ("07:32", "05-27").
  private static func twoFields(_ bytes: [UInt8], at start: Int, separator: Character) -> (Int, Int)? {
    guard start + 5 <= bytes.count, bytes[start + 2] == separator.asciiValue,
      let first = number(bytes, from: start, count: 2), let second = number(bytes, from: start + 3, count: 2)
    else { return nil }
    return (first, second)
  }

  private static func number(_ bytes: [UInt8], from start: Int, count: Int) -> Int? {
    guard start + count <= bytes.count else { return nil }
    var value = 0
    for byte in bytes[start..<start + count] {
      guard isDecimalDigit(byte) else { return nil }
      value = value * 10 + Int(byte - 0x30)
    }
    return value
  }

  private static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  static func isDecimalDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
  private static func isOctalDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x37 }
  private static func isBinaryDigit(_ byte: UInt8) -> Bool { byte == 0x30 || byte == 0x31 }
  private static func isHexDigit(_ byte: UInt8) -> Bool {
    isDecimalDigit(byte) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66)
  }

  private struct Cursor {
    let bytes: [UInt8]
    var index = 0
    var atEnd: Bool { index == bytes.count }
    var rest: ArraySlice<UInt8> { bytes[index...] }

    /// Moves past `character` if it is next.
    mutating func take(_ character: Character) -> Bool {
      guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
      index += 1
      return true
    }

    /// digit *( digit / "_" digit ): false, not moving, if no digit is next.
    mutating func digits(_ isDigit: (UInt8) -> Bool) -> Bool {
      guard index < bytes.count, isDigit(bytes[index]) else { return false }
      index += 1
      while index < bytes.count {
        if isDigit(bytes[index]) {
          index += 1
        } else if bytes[index] == UInt8(ascii: "_"), index + 1 < bytes.count, isDigit(bytes[index + 1]) {
          index += 2
        } else {
          break
        }
      }
      return true
    }
  }
}
