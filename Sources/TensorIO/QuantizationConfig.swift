import Foundation

/// The `quantization_config` a checkpoint folder carries: `config.json`'s member of that name,
/// else a GPTQ `quantize_config.json`. Only the keys the shipped conventions need are read.
struct QuantizationConfig {
  /// The file it came from (for error messages).
  let file: String
  let members: [(key: String, value: JSONValue)]

  /// The config in `folder`, or nil when there is none (a plain model).
  static func load(folder: String?) throws(TensorFileError) -> QuantizationConfig? {
    let base = folder.map { $0 + "/" } ?? ""
    if let data = FileManager.default.contents(atPath: base + "config.json"),
      let config = try fromConfigJSON(data, file: base + "config.json")
    {
      return config
    }
    if let data = FileManager.default.contents(atPath: base + "quantize_config.json") {
      return QuantizationConfig(
        file: base + "quantize_config.json", members: try object(data, file: base + "quantize_config.json"))
    }
    return nil
  }

  /// The `quantization_config` member of a `config.json` image, or nil when it has none.
  static func fromConfigJSON(_ data: Data, file: String) throws(TensorFileError) -> QuantizationConfig? {
    guard
      case .object(let members)? = try object(data, file: file).first(where: { $0.key == "quantization_config" })?.value
    else { return nil }
    return QuantizationConfig(file: file, members: members)
  }

  /// The members of a JSON object image (`quantize_config.json`); errors name `file`.
  static func object(_ data: Data, file: String) throws(TensorFileError) -> [(key: String, value: JSONValue)] {
    let parsed: JSONValue
    do {
      parsed = try data.withUnsafeBytes { bytes in try JSONParser.parse(bytes) }
    } catch let error as JSONSyntaxError {
      throw TensorFileError(file: file, problem: "is not valid JSON: \(error.message) at byte \(error.offset)")
    } catch {
      throw TensorFileError(file: file, problem: "cannot be read")
    }
    guard case .object(let members) = parsed else { throw TensorFileError(file: file, problem: "is not a JSON object") }
    return members
  }

  subscript(key: String) -> JSONValue? { members.first(where: { $0.key == key })?.value }

  /// `quant_method` (`compressed-tensors`, `fp8`, `gptq`, `auto-round`, `mxfp4`, …), lowercased.
  var method: String? { self["quant_method"]?.text?.lowercased() }
}

extension JSONValue {
  /// A string's text, or a number's.
  var text: String? {
    switch self {
    case .string(let text), .number(let text): text
    default: nil
    }
  }

  /// An integer (negative ones too: GPTQ writes `group_size: -1`).
  var integer: Int? {
    guard case .number(let text) = self else { return nil }
    return Int(text)
  }

  subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first(where: { $0.key == key })?.value
  }
}
