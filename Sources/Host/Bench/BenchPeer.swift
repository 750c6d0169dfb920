import Foundation

/// The peers the `read` scenario compares the connectors with, run as child processes on the same file:
/// Python's `csv.DictReader` and python-ldap's `ldif.LDIFParser` merely reading it. A missing peer is
/// reported as missing (nil), never replaced by a guess.
enum BenchPeer {
    static let csvScript = """
        import csv, sys
        n = 0
        with open(sys.argv[1], newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                n += 1
        print(n)
        """
    static let ldifScript = """
        import sys
        from ldif import LDIFParser
        class P(LDIFParser):
            n = 0
            def handle(self, dn, entry):
                P.n += 1
        with open(sys.argv[1], "rb") as f:
            P(f).parse()
        print(P.n)
        """

    /// The peer's name for `connector`.
    static func name(_ connector: String) -> String {
        connector == "csv" ? "python3 csv.DictReader" : "python3 ldif.LDIFParser (python-ldap)"
    }

    /// Reads `file` with the peer of `connector`: records, wall and CPU seconds; nil when the peer is missing.
    static func measure(_ connector: String, file: URL) -> (records: Int, wall: Double, cpu: Double)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", connector == "csv" ? csvScript : ldifScript, file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let cpu = ResourceUsage.now().cpuSeconds, wall = Date()
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let records = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        return (records, Date().timeIntervalSince(wall), ResourceUsage.now().cpuSeconds - cpu)
    }
}
