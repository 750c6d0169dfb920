import Foundation
import Testing
import TestSupport

/// A benchmark, not a test of speed: prints how fast the connector reads typed items from the scripted
/// Scan stub on loopback (signing, HTTP, JSON parsing, decoding, the C ABI copy-out). Opt-in with
/// `XAAS_BENCH=1`; nothing is asserted about time.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["XAAS_BENCH"] != nil, "set XAAS_BENCH=1 to run benchmarks"))
struct ScanBenchmark {
    @Test func typedItemsPerSecond() throws {
        let count = 20_000
        let items = (0..<count).map { i in
            #"{"id":{"S":"user-\#(i)@example.com"},"active":{"BOOL":true},"first_name":{"S":"Zoë"},"#
                + #""last_name":{"S":"Müller"},"n":{"N":"\#(i).25"},"tags":{"SS":["a","b"]},"#
                + #""address":{"M":{"city":{"S":"Zürich"},"zip":{"S":"8001"}}}}"#
        }
        let stub = try StubDynamoDB(items: items)
        for (pageSize, segments) in [(1000, 1), (1000, 4), (100, 1)] {
            let harness = try ConnectorHarness(settings: try ScanStubTests.settings(
                stub, ", \"pageSize\": \(pageSize), \"segments\": \(segments)"))
            let start = Date()
            let read = try harness.readAll()
            let seconds = Date().timeIntervalSince(start)
            #expect(read.records.count == count)
            print("dynamodb scan stub: \(count) items, pageSize \(pageSize), segments \(segments): "
                + "\(read.pages) pages in \(String(format: "%.2f", seconds)) s = \(Int(Double(count) / seconds)) items/s")
        }
    }
}
