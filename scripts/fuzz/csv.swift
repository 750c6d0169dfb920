import Glibc

// libFuzzer harness: the CSV reader over a file with the fuzzed bytes, with `,` and `;` delimiters. Any input
// must end in rows or a ConnectorError, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = "/tmp/xaas-fuzz-\(getpid()).csv"
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return 0 }
    unlink(path)
    defer { close(fd) }
    _ = write(fd, data, size)
    for delimiter in [UInt8(ascii: ","), UInt8(ascii: ";")] {
        lseek(fd, 0, SEEK_SET)
        guard let reader = try? CSVReader(fd: fd, displayName: "fuzz.csv", delimiter: delimiter) else { continue }
        var row = CSVRow()
        var rows = 0
        while rows < 100_000, (try? reader.nextRow(into: &row)) == true { rows += 1 }
    }
    return 0
}
