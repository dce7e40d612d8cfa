// swift-tools-version:6.0
// tscope: a terminal explorer for the number formats of quantized LLMs.
import PackageDescription

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// The kernel's C shim is compiled with optimizations on even in debug builds,
// so tests over real tensors stay fast; it picks its ISA at run time.
let kernelCSettings: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno"])]

let package = Package(
  name: "tscope",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "tscope", targets: ["tscope"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
  ],
  targets: [
    // The flow is one-way: TensorIO → Parallel → Kernels / Distributions / Fits / Formats →
    // Explorer / Reporting → TerminalUI → tscope (checked by ArchitectureTests).
    // Model files -> named tensors, memory-mapped, decoded to Float32 on demand.
    .target(
      name: "TensorIO",
      dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]
    ),
    // Work on all cores: the worker pool, the per-tensor memo, one lock, one result-slot type,
    // chunked reductions over a tensor, and the one cancellation error.
    .target(name: "Parallel", dependencies: ["TensorIO"]),
    // Pure math: special functions, normal / Laplace / Student's t, Kolmogorov–Smirnov, SplitMix64.
    .target(
      name: "Distributions",
      dependencies: [.product(name: "Numerics", package: "swift-numerics")]
    ),
    // Maximum-likelihood fits to tensors: in memory, by subsample, or streaming over all elements.
    .target(
      name: "Fits",
      dependencies: [
        "TensorIO", "Parallel", "Distributions", .product(name: "Numerics", package: "swift-numerics"),
      ]
    ),
    // Codebooks as data: the paper's formats, SF4(nu), supernormal variants, block formats.
    .target(
      name: "Formats",
      dependencies: ["Distributions", .product(name: "TOMLKit", package: "TOMLKit")]
    ),
    // The per-ISA hot loops of the kernel module (chosen at run time).
    .target(name: "CKernels", cSettings: kernelCSettings),
    // The kernel module: group scaling, rounding, error sums, code usage, histograms.
    .target(
      name: "Kernels",
      dependencies: ["TensorIO", "Parallel", "Formats", "Distributions", "CKernels", "COpenBLAS"]
    ),
    // OpenBLAS, through the system library: the matrix products of the output error.
    .systemLibrary(
      name: "COpenBLAS",
      providers: [.apt(["libopenblas-dev"])]
    ),
    // The application core: State, Action, update, and the effect scheduler.
    .target(
      name: "Explorer",
      dependencies: ["TensorIO", "Parallel", "Formats", "Kernels", "Distributions", "Fits"]
    ),
    // Whole-model reports: rows, summary, CSV/JSON/Markdown, shards and their merge.
    .target(
      name: "Reporting",
      dependencies: ["TensorIO", "Parallel", "Formats", "Kernels", "Fits"]
    ),
    // ncursesw, through the system library.
    .systemLibrary(
      name: "CNcurses",
      providers: [.apt(["libncursesw5-dev"])]
    ),
    // The pure renderer, themes, and the thin ncurses backend.
    .target(
      name: "TerminalUI",
      dependencies: [
        "Explorer", "Reporting", "Formats", "Kernels", "Parallel", "CNcurses",
        .product(name: "TOMLKit", package: "TOMLKit"),
      ]
    ),
    // The command line.
    .executableTarget(
      name: "tscope",
      dependencies: [
        "TensorIO", "Formats", "Kernels", "Distributions", "Fits", "Explorer", "TerminalUI", "Reporting",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(name: "TensorIOTests", dependencies: ["TensorIO", "Distributions"]),
    .testTarget(name: "ParallelTests", dependencies: ["Parallel", "TensorIO"]),
    .testTarget(name: "DistributionsTests", dependencies: ["Distributions"]),
    .testTarget(name: "FitsTests", dependencies: ["Fits", "Distributions", "Parallel", "TensorIO"]),
    .testTarget(name: "FormatsTests", dependencies: ["Formats", "Distributions"]),
    .testTarget(
      name: "KernelsTests", dependencies: ["Kernels", "CKernels", "Formats", "TensorIO", "Parallel", "Distributions"]),
    .testTarget(
      name: "ExplorerTests", dependencies: ["Explorer", "Parallel", "Fits", "Formats", "Kernels", "TensorIO"]),
    .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI", "Explorer"], exclude: ["Golden"]),
    .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Formats", "Kernels", "TensorIO"]),
    .testTarget(name: "ArchitectureTests"),
  ]
)

// Tests/Fuzz holds one in-memory fuzz target per parser. Normally it is a test target that
// replays every kept reproducer (Tests/Corpus/regressions); scripts/fuzz sets TSCOPE_FUZZ=1 to
// build it instead as the libFuzzer binary `tscope-fuzz` (with -sanitize=fuzzer,address).
let fuzzDependencies: [Target.Dependency] = ["TensorIO", "Formats", "Explorer", "TerminalUI"]
if getenv("TSCOPE_FUZZ") != nil {
  package.targets.append(
    .executableTarget(
      name: "tscope-fuzz", dependencies: fuzzDependencies, path: "Tests/Fuzz",
      exclude: ["FuzzRegressionTests.swift", "ByteEntryPointTests.swift", "make-seeds.py"]))
} else {
  package.targets.append(
    .testTarget(
      name: "FuzzTests", dependencies: fuzzDependencies, path: "Tests/Fuzz",
      exclude: ["LibFuzzerEntry.swift", "make-seeds.py"]))
}
