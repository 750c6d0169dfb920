// libFuzzer harness: the strict JSON parser (XaasJSON) must never crash, and what it accepts must
// round-trip through its serialiser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? JSONValue.parse(bytes: bytes) {
        let text = value.serialized
        guard let again = try? JSONValue.parse(text), again.serialized == text else {
            fatalError("serialised JSON does not parse back to itself: \(text)")
        }
    }
    return 0
}
