import Foundation
import FuzzTargets

/// The harness this executable runs, named by the executable: `fuzz-<harness>`.
nonisolated(unsafe) var harness: (Data) -> Void = { _ in }

/// libFuzzer's set-up: picks the harness from the program name and warms it up outside
/// the measured inputs.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    let program = URL(fileURLWithPath: String(cString: argv.pointee![0]!)).lastPathComponent
    let name = String(program.dropFirst("fuzz-".count))
    harness = FuzzTargets.named(name)
    FuzzTargets.warmUp(name)
    return 0
}

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    harness(Data(bytes: start, count: count))
    return 0
}
