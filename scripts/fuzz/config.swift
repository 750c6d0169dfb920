// libFuzzer harness: the connectors.d parsers (FuzzConfig in Tests/ReliabilityTests/FuzzConfigTarget.swift, linked
// in by scripts/fuzz.sh). What `check` finds wrong is a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    if let problem = FuzzConfig.check(Array(UnsafeBufferPointer(start: data, count: size))) { fatalError(problem) }
    return 0
}
