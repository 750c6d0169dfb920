import Glibc

// libFuzzer harness: the LDIF record reader (folding, base64, URLs, change records) over a file with the
// fuzzed bytes. Any input must end in records or an LDIFError, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLDIF(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = "/tmp/xaas-fuzz-\(getpid()).ldif"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return 0 }
    _ = write(fd, data, size)
    close(fd)
    defer { unlink(path) }
    guard let reader = try? LDIFRecordReader(path: path, urlDirectory: nil) else { return 0 }
    var records = 0
    while records < 100_000, let record = try? reader.next(), record != nil { records += 1 }
    return 0
}
