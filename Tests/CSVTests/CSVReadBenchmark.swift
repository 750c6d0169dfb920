import Foundation
import Testing
import TestSupport
@testable import Host

/// The CSV connector's read (records reaching the host through `PluginInstance`, no output) against
/// Python's `csv.DictReader` reading the same file, in the same run. Opt-in, prints figures:
///
///     swift build -c release --build-tests --scratch-path .build-release
///     XAAS_BENCH=1 swift test -c release --skip-build --scratch-path .build-release --filter CSVReadBenchmark
///
/// `XAAS_BENCH_ROWS` (default 1,000,000) and `XAAS_BENCH_RUNS` (default 5) change the size.
@Suite(.enabled(if: PeerBenchmark.enabled, "benchmark only: set XAAS_BENCH=1 to run"),
       .enabled(if: TestSupport.python(with: ["csv"]) != nil, "python3 (with the csv module) not installed"))
struct CSVReadBenchmark {
    static let dictReader = #"""
    import csv, sys, time
    start, cpu = time.perf_counter(), time.process_time()
    n = 0
    with open(sys.argv[1], newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            n += 1
    print(n, time.perf_counter() - start, time.process_time() - cpu)
    """#

    /// The workshop-shaped 7-column users file of scripts/bench-sync.sh.
    static func writeFile(rows: Int, to url: URL) throws {
        var text = "id,active,title,first_name,last_name,email,department\n"
        text.reserveCapacity(rows * 72)
        for i in 0 ..< rows {
            let id = String(i)
            text += "u" + String(repeating: "0", count: max(0, 7 - id.count)) + id
            text += ",true,Title \(i % 13),First\(i),Last\(i % 997),user\(i)@example.com,Dept \(i % 17)\n"
        }
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    @Test func csvReadAgainstDictReader() throws {
        let rows = PeerBenchmark.setting("XAAS_BENCH_ROWS", 1_000_000)
        let runs = PeerBenchmark.setting("XAAS_BENCH_RUNS", 5)
        let dir = try TestSupport.makeTemporaryDirectory()
        let file = dir.appendingPathComponent("users.csv")
        try Self.writeFile(rows: rows, to: file)
        let python = try #require(TestSupport.python(with: ["csv"]))
        let plugin = try PluginRegistry.load(path: TestSupport.connectorLibrary("CSVConnector").path)
        let settings = #"{"path": "\#(file.path)", "externalId": "id", "status": {"attribute": "active"}}"#
        var xaas: [PeerBenchmark.Timing] = []
        var peer: [PeerBenchmark.Timing] = []
        for _ in 0 ..< runs {
            var records = 0
            xaas.append(try PeerBenchmark.measure {
                let instance = try PluginInstance(plugin: plugin, settingsJSON: settings)
                var cursor: String? = nil
                repeat {
                    let page = try instance.readPage(cursor: cursor, checkpoint: nil, pageSizeHint: 1000)
                    records += page.records.count
                    cursor = page.nextCursor
                } while cursor != nil
            })
            #expect(records == rows)
            let (count, timing) = try PeerBenchmark.python(python, Self.dictReader, [file.path])
            #expect(count == rows)
            peer.append(timing)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        print("CSV file: \(rows) rows, 7 columns, \(size / 1_000_000) MB")
        PeerBenchmark.report("CSV read", items: rows, xaas: xaas, peerName: "csv.DictReader", peer: peer)
    }
}
