import Foundation
import Testing
@testable import Emulator

@Suite("Emulator import processing and reports")
struct ImportProcessingTests {
    @Test func reportCountsCreatedUpdatedUnchangedDeactivatedIgnored() throws {
        let h = try EmulatorHarness()
        let first = h.importUsers((1...3).map { EmulatorHarness.user("u\($0)") })
        #expect(h.report(first)["created"] == 3)
        #expect(h.report(first)["bulkRequests"] == 1)
        #expect(h.report(first)["entities"] == 3)

        let second = h.importUsers([
            EmulatorHarness.user("u1"),  // same profile
            EmulatorHarness.user("u2", ["title": "Boss"]),  // a real change
            EmulatorHarness.user("u4"),  // new
        ], deleting: ["u3", "ghost"])
        let r = h.report(second)
        #expect(r["created"] == 1)
        #expect(r["updated"] == 1)
        #expect(r["unchanged"] == 1)
        #expect(r["deactivated"] == 1)
        #expect(r["ignored"] == 1)
        #expect(r["bulkRequests"] == 2)
        #expect(r["entities"] == 5)

        let users = Dictionary(uniqueKeysWithValues: h.users().map { ($0["externalId"] as? String ?? "", $0) })
        #expect(users.count == 4)
        #expect(users["u3"]?["status"] as? String == "DEPROVISIONED")
        #expect(users["u1"]?["status"] as? String == "ACTIVE")
        #expect((users["u2"]?["profile"] as? [String: Any])?["title"] as? String == "Boss")
        let id = users["u1"]?["id"] as? String ?? ""
        #expect(id.hasPrefix("0ua") && id.count == 20)

        // Upserting a deprovisioned user reactivates it (counted as updated and reactivated).
        let third = h.importUsers([EmulatorHarness.user("u3")])
        #expect(h.report(third)["updated"] == 1)
        #expect(h.report(third)["reactivated"] == 1)
        #expect(h.users(query: "?status=DEPROVISIONED").isEmpty)
        // Users not named in a session are left alone.
        #expect(h.users().count == 4)
    }

    @Test func newUsersWithoutRequiredFieldsAreSkippedOrFailTheSession() throws {
        let h = try EmulatorHarness()
        let s = h.importUsers([["externalId": "x1", "profile": ["firstName": "NoMail"]], EmulatorHarness.user("ok")])
        #expect(h.status(s) == "COMPLETED")
        #expect(h.report(s)["failed"] == 1)
        #expect(h.report(s)["created"] == 1)

        let strict = try EmulatorHarness(acme: "\"missingRequired\": \"sessionError\"")
        let t = strict.importUsers([["externalId": "x1", "profile": ["firstName": "NoMail"]], EmulatorHarness.user("ok")])
        #expect(strict.status(t) == "ERROR")
        #expect(strict.users().isEmpty)
        let session = strict.inspectSessions().first
        #expect((session?["errorReason"] as? String)?.contains("x1") == true)
    }

    @Test func groupsAndMembershipsAreImported() throws {
        let h = try EmulatorHarness()
        _ = h.importUsers([EmulatorHarness.user("u1"), EmulatorHarness.user("u2")])
        let s = h.createSession()
        #expect(h.send("POST", h.api("/sessions/\(s)/bulk-groups-upsert"), ["profiles": [
            ["externalId": "g1", "profile": ["displayName": "Ops", "description": "Operations"]],
            ["externalId": "g2", "profile": ["displayName": "Dev"]],
        ]]).status == 202)
        #expect(h.send("POST", h.api("/sessions/\(s)/bulk-group-memberships-upsert"), ["memberships": [
            ["groupExternalId": "g1", "memberExternalIds": ["u1", "u2", "nobody"]],
            ["groupExternalId": "missing", "memberExternalIds": ["u1"]],
        ]]).status == 202)
        _ = h.trigger(s)
        h.advance(1)
        let r = h.report(s)
        #expect(r["groupsCreated"] == 2)
        #expect(r["membershipsAdded"] == 2)
        #expect(r["ignored"] == 2)
        let groups = h.send("GET", "/emulator/v1/orgs/acme/groups").array
        #expect(groups.map { $0["externalId"] as? String } == ["g1", "g2"])
        #expect(groups.first?["members"] as? [String] == ["u1", "u2"])

        let t = h.createSession()
        _ = h.send("POST", h.api("/sessions/\(t)/bulk-group-memberships-delete"),
                   ["memberships": [["groupExternalId": "g1", "memberExternalIds": ["u2"]]]])
        _ = h.send("POST", h.api("/sessions/\(t)/bulk-groups-delete"), ["externalIds": ["g2", "g9"]])
        _ = h.trigger(t)
        h.advance(1)
        #expect(h.report(t)["membershipsRemoved"] == 1)
        #expect(h.report(t)["groupsDeleted"] == 1)
        let after = h.send("GET", "/emulator/v1/orgs/acme/groups").array
        #expect(after.map { $0["externalId"] as? String } == ["g1"])
        #expect(after.first?["members"] as? [String] == ["u1"])
    }

    @Test func cancelledSessionsDiscardTheirData() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        _ = h.upsert(s, [EmulatorHarness.user("u1")])
        #expect(h.send("DELETE", h.api("/sessions/\(s)")).status == 204)
        h.advance(10)
        #expect(h.users().isEmpty)
    }

    @Test func directoriesAreSeparatePerSourceAndOrg() throws {
        let h = try EmulatorHarness()
        _ = h.importUsers([EmulatorHarness.user("u1")])
        let other = "0oaacme0000000000002"
        let s = h.createSession(source: other)
        _ = h.upsert(s, [EmulatorHarness.user("u1", ["title": "other"])], source: other)
        _ = h.trigger(s, source: other)
        h.advance(1)
        #expect(h.report(s)["created"] == 1)
        #expect(h.users(query: "?identitySource=\(other)").count == 1)
        #expect(h.users().count == 2)
        #expect(h.users(org: "beta").isEmpty)
    }
}
