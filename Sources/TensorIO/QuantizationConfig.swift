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
    if let object = try object(at: base + "config.json"),
      case .object(let members)? = object.first(where: { $0.key == "quantization_config" })?.value
    {
      return QuantizationConfig(file: base + "config.json", members: members)
    }
    if let members = try object(at: base + "quantize_config.json") {
      return QuantizationConfig(file: base + "quantize_config.json", members: members)
    }
    return nil
  }

  private static func object(at path: String) throws(TensorFileError) -> [(key: String, value: JSONValue)]? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    let parsed: JSONValue
    do {
      parsed = try data.withUnsafeBytes { bytes in try JSONParser.parse(bytes) }
    } catch let error as JSONSyntaxError {
      throw TensorFileError(file: path, problem: "is not valid JSON: \(error.message) at byte \(error.offset)")
    } catch {
      throw TensorFileError(file: path, problem: "cannot be read")
    }
    guard case .object(let members) = parsed else { throw TensorFileError(file: path, problem: "is not a JSON object") }
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
