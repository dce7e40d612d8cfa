import Foundation
import Testing

/// The package's one-way flow, checked on the source tree:
///
///     TensorIO → Parallel → Kernels / Distributions / Fits / Formats → Explorer / Reporting → TerminalUI → tscope
///
/// A target may import targets of a lower layer; within a layer only the pairs in
/// `sameLayerImports`. Distributions is pure math (no tensors), and Formats needs only
/// Distributions among the package's targets, so a codebook builds without the model readers.
enum Architecture {
  static let layers: [String: Int] = [
    "TensorIO": 0,
    "Parallel": 1,
    "Distributions": 2, "Formats": 2, "Fits": 2, "Kernels": 2, "CKernels": 2, "COpenBLAS": 2,
    "Explorer": 3, "Reporting": 3,
    "TerminalUI": 4, "CNcurses": 4,
    "tscope": 5,
  ]

  /// Imports allowed between targets of the same layer.
  static let sameLayerImports: Set<String> = [
    "Formats→Distributions", "Fits→Distributions", "Kernels→Formats", "Kernels→Distributions", "Kernels→CKernels",
    "Kernels→COpenBLAS",
    "TerminalUI→CNcurses",
  ]

  /// Targets held to a narrower rule than their layer: exactly these of the package's targets.
  static let onlyImports: [String: Set<String>] = [
    "TensorIO": [],
    "Distributions": [],
    "Formats": ["Distributions"],
  ]

  /// Whether `target` may import the package target `module`.
  static func allows(_ target: String, importing module: String) -> Bool {
    if let only = onlyImports[target] { return only.contains(module) }
    guard let from = layers[target], let to = layers[module] else { return false }
    return to < from || to == from && sameLayerImports.contains("\(target)→\(module)")
  }

  /// The package root, from this file's place in Tests/ArchitectureTests.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// Every Swift file under Sources/`target`, as (path relative to the root, text).
  static func sources(of target: String) throws -> [(path: String, text: String)] {
    let directory = root.appendingPathComponent("Sources/\(target)")
    guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
      return []
    }
    var files: [(String, String)] = []
    for case let url as URL in walker where url.pathExtension == "swift" {
      let relative = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
      files.append((relative, try String(contentsOf: url, encoding: .utf8)))
    }
    return files.sorted { $0.0 < $1.0 }
  }

  /// The modules a file imports (`import X`, `@testable import X`, `import struct X.Y`, …).
  static func imports(in text: String) -> [String] {
    let pattern = try! NSRegularExpression(
      pattern: #"^\s*(?:@\w+\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?(\w+)"#,
      options: .anchorsMatchLines)
    let range = NSRange(text.startIndex..., in: text)
    return pattern.matches(in: text, range: range).compactMap { match in
      Range(match.range(at: 1), in: text).map { String(text[$0]) }
    }
  }

  /// Swift targets with a Sources directory.
  static var swiftTargets: [String] {
    let directory = root.appendingPathComponent("Sources")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { name in
      (try? sources(of: name).isEmpty == false) ?? false
    }.sorted()
  }
}

@Suite struct ImportFlowTests {
  @Test func everySwiftTargetHasAPlaceInTheFlow() {
    let targets = Architecture.swiftTargets
    #expect(targets.contains("TensorIO"), "the source tree was not found from \(#filePath)")
    for target in targets {
      #expect(Architecture.layers[target] != nil, "Sources/\(target) is not in Architecture.layers")
    }
  }

  @Test func noTargetImportsOneAboveItInTheFlow() throws {
    var violations: [String] = []
    for target in Architecture.swiftTargets {
      for file in try Architecture.sources(of: target) {
        for module in Architecture.imports(in: file.text)
        where Architecture.layers[module] != nil && module != target && !Architecture.allows(target, importing: module)
        {
          violations.append("\(file.path): \(target) imports \(module)")
        }
      }
    }
    #expect(violations.isEmpty, "imports against the flow:\n\(violations.joined(separator: "\n"))")
  }

  @Test func theRulesThemselvesFollowTheFlow() {
    #expect(Architecture.allows("Kernels", importing: "Parallel"))
    #expect(Architecture.allows("Formats", importing: "Distributions"))
    #expect(!Architecture.allows("Formats", importing: "TensorIO"))
    #expect(!Architecture.allows("Distributions", importing: "TensorIO"))
    #expect(!Architecture.allows("TensorIO", importing: "Parallel"))
    #expect(!Architecture.allows("Kernels", importing: "Explorer"))
    #expect(!Architecture.allows("Explorer", importing: "Reporting"))
    #expect(!Architecture.allows("Reporting", importing: "TerminalUI"))
    #expect(
      Architecture.imports(in: "import A\n@testable import B\nimport struct C.D\n// import E\n") == ["A", "B", "C"])
  }
}

/// Pointers and threads live in TensorIO, Parallel and Kernels (and the terminal backends): the
/// application core, the reports and the renderer hold neither.
///
enum LayerPurity {

  /// `Unsafe…` pointers, `Thread` and `DispatchSemaphore`.
  static let forbidden = try! NSRegularExpression(pattern: #"Unsafe|\bThread\b|DispatchSemaphore"#)

  /// TerminalUI's files that drive a real terminal (and may block or touch the system); every
  /// other TerminalUI file is the renderer.
  static func isTerminalBackend(_ fileName: String) -> Bool {
    fileName.contains("Terminal") || fileName == "DemoPlayback.swift"
  }

  /// The files held to the rule: all of Explorer and Reporting, and TerminalUI's renderer.
  static func checkedFiles() throws -> [(path: String, text: String)] {
    let renderer = try Architecture.sources(of: "TerminalUI").filter {
      !isTerminalBackend(URL(fileURLWithPath: $0.path).lastPathComponent)
    }
    return try Architecture.sources(of: "Explorer") + Architecture.sources(of: "Reporting") + renderer
  }

  /// "path:line: text" for every line that breaks the rule.
  static func offenders() throws -> [String] {
    var found: [String] = []
    for file in try checkedFiles() {
      for (number, line) in file.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let text = String(line)
        if forbidden.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil {
          found.append("\(file.path):\(number + 1): \(text.trimmingCharacters(in: .whitespaces))")
        }
      }
    }
    return found
  }
}

@Suite struct LayerPurityTests {
  @Test func theCheckSeesTheFilesItGuards() throws {
    let paths = try LayerPurity.checkedFiles().map(\.path)
    #expect(paths.contains { $0.hasPrefix("Sources/Explorer/") })
    #expect(paths.contains { $0.hasPrefix("Sources/Reporting/") })
    #expect(paths.contains { $0.hasPrefix("Sources/TerminalUI/") })
    #expect(!paths.contains { $0.hasSuffix("NcursesTerminal.swift") })
  }

  @Test func noPointersOrThreadsInExplorerReportingOrTheRenderer() throws {
    let offenders = try LayerPurity.offenders()
    #expect(offenders.isEmpty, "Unsafe/Thread/DispatchSemaphore outside Kernels:\n\(offenders.joined(separator: "\n"))")
  }
}
