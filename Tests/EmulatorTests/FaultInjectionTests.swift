import Foundation
import Testing
@testable import Emulator

@Suite("Emulator fault injection (seeded)")
struct FaultInjectionTests {
    func statuses(_ faults: String, seed: Int, count: Int = 200) throws -> ([Int], [EmulatorHarness.Reply]) {
        let h = try EmulatorHarness(acme: "\"faults\": {\(faults)}", seed: seed)
        let replies = (0..<count).map { _ in h.send("GET", h.api("/sessions")) }
        return (replies.map(\.status), replies)
    }

    @Test func serverErrorsReproduceWithTheSameSeed() throws {
        let (a, replies) = try statuses("\"error500\": 0.2, \"error503\": 0.1", seed: 11)
        let (b, _) = try statuses("\"error500\": 0.2, \"error503\": 0.1", seed: 11)
        let (c, _) = try statuses("\"error500\": 0.2, \"error503\": 0.1", seed: 12)
        #expect(a == b)
        #expect(a != c)
        let fives = a.filter { $0 == 500 }.count, threes = a.filter { $0 == 503 }.count
        #expect((15...70).contains(fives), "500s: \(fives)")
        #expect((5...45).contains(threes), "503s: \(threes)")
        #expect(a.allSatisfy { [200, 500, 503].contains($0) })
        let error = try #require(replies.first { $0.status == 500 })
        #expect(error.errorCode == "E0000009")
        #expect(error.headers["X-Okta-Request-Id"] != nil)
    }

    @Test func rateLimitStormsLastStormLengthRequests() throws {
        let (a, replies) = try statuses("\"storm429\": 0.05, \"stormLength\": 4", seed: 3)
        #expect(a == (try statuses("\"storm429\": 0.05, \"stormLength\": 4", seed: 3)).0)
        // Every storm is a run of at least 4 consecutive 429s (storms may chain).
        var runs: [Int] = []
        var current = 0
        for s in a + [200] {
            if s == 429 { current += 1 } else if current > 0 { runs.append(current); current = 0 }
        }
        #expect(!runs.isEmpty)
        #expect(runs.dropLast().allSatisfy { $0 >= 4 })
        let limited = try #require(replies.first { $0.status == 429 })
        #expect(limited.errorCode == "E0000047")
        #expect(limited.headers["X-Rate-Limit-Remaining"] == "0")
    }

    @Test func droppedConnectionsAreMarked() throws {
        let (a, replies) = try statuses("\"drop\": 0.3", seed: 5, count: 50)
        let dropped = replies.filter { $0.headers[Emulator.dropHeader] == "1" }
        #expect(!dropped.isEmpty)
        #expect(dropped.allSatisfy { $0.status == 503 && $0.headers["Connection"] == "close" && $0.dropsConnection })
        #expect(a.filter { $0 == 503 }.count == dropped.count)
    }

    @Test func sessionErrorFaultEndsTheImportInError() throws {
        let h = try EmulatorHarness(acme: "\"faults\": {\"sessionError\": 1}")
        let s = h.importUsers([EmulatorHarness.user("u1")])
        #expect(h.status(s) == "ERROR")
        #expect(h.users().isEmpty)
        // A new session may then be opened to retry.
        #expect(h.send("POST", h.api("/sessions")).status == 201)
    }

    @Test func forcedNextResponses() throws {
        let h = try EmulatorHarness()
        let queued = h.send("POST", "/emulator/v1/orgs/acme/next-response",
                            ["status": 503, "count": 2, "body": ["errorCode": "E0000010"]])
        #expect(queued.status == 200)
        #expect(h.send("GET", h.api("/sessions")).status == 503)
        #expect(h.send("POST", h.api("/sessions")).status == 503)
        #expect(h.send("GET", h.api("/sessions")).status == 200)
        #expect(h.inspectSessions().isEmpty)
    }

    @Test func latencySettingsAreAccepted() throws {
        let h = try EmulatorHarness(acme: "\"faults\": {\"latencyMs\": 1, \"routeLatencyMs\": {\"bulk-upsert\": 2}}")
        #expect(h.emulator.configuration.orgs[0].faults.routeLatencyMs["bulk-upsert"] == 2)
        #expect(h.send("GET", h.api("/sessions")).status == 200)
    }
}
