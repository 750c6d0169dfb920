import Foundation
import HTTPServer
import Host
import Testing
import TestSupport
import XaasJSON

/// The connector through the `xaas` commands a user runs (`plugins validate`, `plugins read`), `check`,
/// redirects, and a throughput benchmark that prints figures.
@Suite struct GraphCommandTests {
    static func settingsFile(_ fake: FakeGraph, _ extra: String = "") throws -> URL {
        let dir = try TestSupport.makeTemporaryDirectory("graph-cmd")
        let file = dir.appendingPathComponent("graph.json")
        try """
        {"baseUrl": "\(fake.baseURL)", "auth": {"type": "bearer", "token": {"env": "\(GraphHarness.tokenVariable)"}}\(extra)}
        """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static let environment = [GraphHarness.tokenVariable: "static-bearer-token-value"]

    @Test func pluginsReadPrintsEveryUserAsNDJSON() throws {
        let fake = try GraphPagingTests.fake(users: 5)
        let file = try Self.settingsFile(fake, ", \"pageSize\": 2, \"select\": \"id,department,accountEnabled\"")
        let result = try TestSupport.xaas(["plugins", "read", "graph", "--settings", file.path], environment: Self.environment)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { try? JSONValue.parse(String($0)) }
        #expect(lines.count == 5)
        #expect(lines.compactMap { $0?["externalId"]?.stringValue } == (1...5).map(GraphUsers.id))
        #expect(result.stdout.contains("Okta Workflows"))
        #expect(!result.stdout.contains("static-bearer-token-value") && !result.stderr.contains("static-bearer-token-value"))
    }

    @Test func pluginsValidateOpensChecksAndReadsAPage() throws {
        let fake = try GraphPagingTests.fake(users: 3)
        let file = try Self.settingsFile(fake, ", \"groups\": true")
        let result = try TestSupport.xaas(["plugins", "validate", "graph", "--settings", file.path], environment: Self.environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("check: ok") && result.stdout.contains("first page: 3 records"), "\(result.stdout)")
        #expect(fake.requests.contains { $0.target == "/v1.0/groups?$top=1&$select=id" })
        // A missing token variable: a CONFIG error naming the setting and the variable, at check time.
        let missing = try TestSupport.xaas(["plugins", "validate", "graph", "--settings", file.path],
                                           environment: [GraphHarness.tokenVariable: ""])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("settings.auth.token") && missing.stderr.contains(GraphHarness.tokenVariable))
    }

    @Test func checkReportsARefusedTokenAndAMissingPermission() throws {
        let fake = try GraphPagingTests.fake(users: 1)
        let h = try GraphHarness(fake)
        try h.instance.check()
        fake.inject(.init(pathPrefix: "/v1.0/users", response: FakeGraph.error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")))
        #expect {
            try h.instance.check()
        } throws: { ($0 as? PluginError)?.code == .permission }
    }

    @Test func redirectsAreNotFollowed() throws {
        let fake = try GraphPagingTests.fake(users: 1)
        var redirect = HTTPResponse(status: 302)
        redirect.headers.set("Location", "http://127.0.0.2:\(fake.port)/v1.0/users")
        fake.inject(.init(pathPrefix: "/v1.0/users", response: redirect))
        let h = try GraphHarness(fake, settings: "\"maxRetries\": 0")
        #expect {
            _ = try h.readAll()
        } throws: { error in
            let e = error as? PluginError
            return e?.code == .sourceData && e?.message.contains("HTTP 302") == true
        }
        #expect(fake.requests.count == 1)
    }

    /// Prints users per second through the real `.so` over loopback (no assertion on time). The fake server
    /// runs in the same process, so the figure includes serving. `XAAS_GRAPH_BENCH_USERS` sets the count.
    @Test func benchmarkReadThroughput() throws {
        let count = ProcessInfo.processInfo.environment["XAAS_GRAPH_BENCH_USERS"].flatMap { Int($0) } ?? 5_000
        let fake = try FakeGraph()
        for i in 1...count { fake.upsert(GraphUsers.user(i)) }
        let h = try GraphHarness(fake, settings: "\"pageSize\": 999")
        let start = Date()
        let round = try h.readAll()
        let seconds = Date().timeIntervalSince(start)
        #expect(round.users.count == count && round.pages.count == (count + 998) / 999)
        print("graph benchmark: \(count) users in \(round.pages.count) pages of ≤999 in "
              + String(format: "%.2f s = %.0f users/s", seconds, Double(count) / seconds))
    }
}
