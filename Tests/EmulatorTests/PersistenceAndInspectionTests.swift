import Foundation
import Testing
import TestSupport
@testable import Emulator

@Suite("Emulator persistence and inspection API")
struct PersistenceAndInspectionTests {
    @Test func directoryAndSessionsSurviveARestart() throws {
        let dir = try TestSupport.makeTemporaryDirectory("xaas-emulator")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.sqlite").path
        var firstIds: [String: String] = [:]
        var open = ""
        do {
            let h = try EmulatorHarness(statePath: path)
            let s = h.importUsers([EmulatorHarness.user("u1", ["title": "Ünïcødé"]), EmulatorHarness.user("u2")],
                                  deleting: [])
            #expect(h.status(s) == "COMPLETED")
            _ = h.importUsers([], deleting: ["u2"])
            let g = h.createSession()
            _ = h.send("POST", h.api("/sessions/\(g)/bulk-groups-upsert"), ["profiles": [["externalId": "g1", "profile": ["displayName": "Ops"]]]])
            _ = h.send("POST", h.api("/sessions/\(g)/bulk-group-memberships-upsert"),
                       ["memberships": [["groupExternalId": "g1", "memberExternalIds": ["u1"]]]])
            _ = h.trigger(g)
            h.advance(1)
            open = h.createSession()
            _ = h.upsert(open, [EmulatorHarness.user("u3")])
            for u in h.users() { firstIds[u["externalId"] as? String ?? ""] = u["id"] as? String }
            h.emulator.shutdown()
        }
        let h = try EmulatorHarness(statePath: path)
        defer { h.emulator.shutdown() }
        let users = Dictionary(uniqueKeysWithValues: h.users().map { ($0["externalId"] as? String ?? "", $0) })
        #expect(users.count == 2)
        #expect((users["u1"]?["profile"] as? [String: Any])?["title"] as? String == "Ünïcødé")
        #expect(users["u2"]?["status"] as? String == "DEPROVISIONED")
        #expect(users["u1"]?["id"] as? String == firstIds["u1"])
        #expect(h.send("GET", "/emulator/v1/orgs/acme/groups").array.first?["members"] as? [String] == ["u1"])
        #expect(h.inspectSessions().map { $0["status"] as? String } == ["COMPLETED", "COMPLETED", "COMPLETED", "IN_PROGRESS"])
        // The open session and its staged data came back: it still blocks a new one, and it imports.
        #expect(h.send("POST", h.api("/sessions")).status == 400)
        #expect(h.trigger(open).status == 200)
        h.advance(1)
        #expect(h.report(open)["created"] == 1)
        // New IDs do not repeat old ones.
        #expect(!firstIds.values.contains(h.users().first { $0["externalId"] as? String == "u3" }?["id"] as? String ?? ""))
    }

    @Test func aBadStatePathIsAClearError() throws {
        #expect(throws: (any Error).self) {
            _ = try Emulator(configuration: .demo(), statePath: "/nonexistent-dir/x/state.sqlite")
        }
    }

    @Test func usersPagingStatsAndReset() throws {
        let h = try EmulatorHarness()
        _ = h.importUsers((0..<5).map { EmulatorHarness.user("u\($0)") })
        let page = h.send("GET", "/emulator/v1/orgs/acme/users?limit=2&after=2")
        #expect(page.array.map { $0["externalId"] as? String } == ["u2", "u3"])
        #expect(page.headers["Link"]?.contains("after=4") == true)
        #expect(h.send("GET", "/emulator/v1/orgs/acme/users?limit=2&after=4").headers["Link"] == nil)
        #expect(h.send("GET", "/emulator/v1/orgs/nope/users").status == 404)

        let stats = h.send("GET", "/emulator/v1/orgs/acme/stats").object
        #expect(stats["requests"] as? Int == 3)
        #expect(stats["bulkRequests"] as? Int == 1)
        #expect(stats["sessionsCreated"] as? Int == 1)
        #expect((stats["byEndpoint"] as? [String: Int])?["bulk-upsert"] == 1)
        #expect((stats["requestsPerMinute"] as? [[String: Any]])?.first?["requests"] as? Int == 3)

        #expect(h.send("POST", "/emulator/v1/reset").status == 200)
        #expect(h.users().isEmpty)
        #expect(h.inspectSessions().isEmpty)
        #expect(h.send("GET", "/emulator/v1/orgs/acme/stats").object["requests"] as? Int == 0)
    }

    @Test func inspectionIsLoopbackOnlyAndSeparateFromOkta() throws {
        let h = try EmulatorHarness()
        let remote = h.emulator.handle(.init(method: "GET", target: "/emulator/v1/orgs/acme/users", remoteAddress: "10.1.2.3:4"))
        #expect(remote.status == 403)
        #expect(h.send("GET", "/emulator/v1/nothing").status == 404)
        #expect(h.send("GET", "/api/v1/users").errorCode == "E0000007")
        let system = try EmulatorHarness(clock: "system")
        #expect(system.send("POST", "/emulator/v1/clock/advance", ["seconds": 5]).status == 400)
        system.emulator.shutdown()
    }
}
