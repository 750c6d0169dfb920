import Foundation
import Testing
@testable import Emulator

@Suite("Emulator under concurrent requests")
struct ConcurrencyTests {
    /// Three clients (two orgs, three sources) import at once through the handler from separate threads; every
    /// user must land exactly once and every counter must add up.
    @Test func concurrentImportsIntoSeparateSources() async throws {
        let config = try EmulatorConfiguration.parse(json: """
            {"orgs": [
              {"name": "acme", "tokens": ["t-acme"], "identitySources": ["0oaA1", "0oaA2"], "processingDelayMs": 0,
               "sessionGate": "activeOnly"},
              {"name": "beta", "tokens": ["t-beta"], "identitySources": ["0oaB1"], "processingDelayMs": 0,
               "sessionGate": "activeOnly"}]}
            """)
        let emulator = try Emulator(configuration: config)
        defer { emulator.shutdown() }
        let clients = [("t-acme", "0oaA1"), ("t-acme", "0oaA2"), ("t-beta", "0oaB1")]
        let outcomes = await withTaskGroup(of: String.self) { group in
            for (token, source) in clients {
                group.addTask {
                    var h = EmulatorHarness.attached(to: emulator)
                    h.token = token
                    for round in 0..<3 {
                        let s = h.createSession(source: source)
                        guard !s.isEmpty else { return "\(source): create failed in round \(round)" }
                        for batch in 0..<5 {
                            let users = (0..<200).map { EmulatorHarness.user("\(source)-\(round)-\(batch)-\($0)") }
                            let r = h.upsert(s, users, source: source)
                            guard r.status == 202 else { return "\(source): upload \(r.status) \(r.text)" }
                        }
                        guard h.trigger(s, source: source).status == 200 else { return "\(source): trigger failed" }
                        var status = ""
                        for _ in 0..<2000 {
                            status = h.status(s, source: source)
                            if status == "COMPLETED" { break }
                            usleep(2000)
                        }
                        guard status == "COMPLETED" else { return "\(source): ended \(status)" }
                    }
                    return "ok"
                }
            }
            var all: [String] = []
            for await o in group { all.append(o) }
            return all
        }
        #expect(outcomes == ["ok", "ok", "ok"])
        let h = EmulatorHarness.attached(to: emulator)
        #expect(h.users(query: "?identitySource=0oaA1").count == 3000)
        #expect(h.users(query: "?identitySource=0oaA2").count == 3000)
        #expect(h.users(org: "beta").count == 3000)
        let acme = h.send("GET", "/emulator/v1/orgs/acme/stats").object
        #expect(acme["bulkRequests"] as? Int == 30)
        #expect(acme["sessionsCreated"] as? Int == 6)
        let reports = h.inspectSessions().compactMap { $0["report"] as? [String: Any] }
        #expect(reports.count == 6)
        #expect(reports.allSatisfy { $0["created"] as? Int == 1000 })
    }
}
