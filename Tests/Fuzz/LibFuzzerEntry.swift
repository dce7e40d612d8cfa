// libFuzzer's entry point, only in the fuzz binary scripts/fuzz builds: it feeds each input to
// the target TSCOPE_FUZZ_TARGET names.
import Foundation

private let selected: FuzzTarget = {
  let name = ProcessInfo.processInfo.environment["TSCOPE_FUZZ_TARGET"] ?? ""
  guard let target = FuzzTargets.named(name) else {
    let names = FuzzTargets.all.map(\.name).joined(separator: " ")
    FileHandle.standardError.write(Data("TSCOPE_FUZZ_TARGET must be one of: \(names)\n".utf8))
    exit(2)
  }
  return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  selected.run(UnsafeRawBufferPointer(start: data, count: size))
  return 0
}
