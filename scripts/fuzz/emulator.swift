// libFuzzer harness: the emulator's request handling without sockets (FuzzEmulator in
// Tests/ReliabilityTests/FuzzEmulatorTarget.swift, linked in by scripts/fuzz.sh). What `check` finds wrong is a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEmulator(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if let problem = FuzzEmulator.check(Array(UnsafeBufferPointer(start: data, count: size))) { fatalError(problem) }
    return 0
}
