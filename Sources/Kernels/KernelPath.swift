import CKernels

/// The kernel's code paths. All give the same results bit for bit (the same float32 division,
/// thresholds and summation order); they differ only in speed. The fastest one the CPU has runs
/// unless the environment variable `TSCOPE_KERNEL` (or `select(_:)`) names another.
public enum KernelPath: String, CaseIterable, Sendable {
  /// AVX-512F/BW/VL: 16 lanes, a 16-entry codebook in one register.
  case avx512
  /// AVX2 + FMA + F16C: 8 lanes.
  case avx2
  /// Plain C: every CPU (the vector paths' arithmetic, element by element).
  case portable

  /// The environment variable that forces a path.
  public static let environmentVariable = "TSCOPE_KERNEL"

  private var cValue: Int32 {
    switch self {
    case .avx512: Int32(TK_PATH_AVX512.rawValue)
    case .avx2: Int32(TK_PATH_AVX2.rawValue)
    case .portable: Int32(TK_PATH_PORTABLE.rawValue)
    }
  }

  /// Whether this build and CPU can run the path.
  public var isSupported: Bool { tk_path_supported(cValue) != 0 }

  /// The paths this machine can run, fastest first.
  public static var supported: [KernelPath] { allCases.filter(\.isSupported) }

  /// The path kernels run with now.
  public static var active: KernelPath {
    let value = tk_active_path()
    return allCases.first { $0.cValue == value } ?? .portable
  }

  /// Makes every later kernel call run `path`. Throws `KernelPathError` when the CPU lacks it.
  public static func select(_ path: KernelPath) throws(KernelPathError) {
    guard tk_set_path(path.cValue) == 0 else { throw .unsupported(path) }
  }

  /// The path `TSCOPE_KERNEL` names, selected; nil when the variable is unset or empty. Throws
  /// for a name that is no path and for a path this CPU lacks.
  @discardableResult
  public static func selectFromEnvironment(_ environment: [String: String]) throws(KernelPathError) -> KernelPath? {
    guard let name = environment[environmentVariable], !name.isEmpty else { return nil }
    guard let path = KernelPath(rawValue: name) else { throw .unknown(name) }
    try select(path)
    return path
  }
}

/// A kernel path that cannot be used.
public enum KernelPathError: Error, Equatable, CustomStringConvertible {
  case unknown(String)
  case unsupported(KernelPath)

  public var description: String {
    let names = KernelPath.allCases.map(\.rawValue).joined(separator: ", ")
    let have = KernelPath.supported.map(\.rawValue).joined(separator: ", ")
    switch self {
    case .unknown(let name):
      return "kernel path '\(name)' is not one of \(names)"
    case .unsupported(let path):
      return "kernel path '\(path.rawValue)' needs CPU features this machine lacks (it has: \(have))"
    }
  }
}
