import Foundation
import Testing
@testable import Emulator

@Suite("Emulator bulk upload validation and limits")
struct BulkValidationTests {
    @Test func bodyErrors() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        let path = h.api("/sessions/\(s)/bulk-upsert")
        let empty = h.send("POST", path)
        #expect(empty.status == 400)
        #expect(empty.errorCode == "E0000003")
        #expect(h.send("POST", path, "{not json").errorCode == "E0000003")
        let badType = h.send("POST", path, ["entityType": "GROUPS", "profiles": [EmulatorHarness.user("u1")]])
        #expect(badType.status == 400)
        #expect(badType.errorCode == "E0000001")
        #expect(badType.causes.first?.contains("entityType") == true)
        let noProfiles = h.send("POST", path, ["entityType": "USERS", "profiles": [] as [Any]])
        #expect(noProfiles.errorCode == "E0000001")
        #expect(noProfiles.causes.first?.hasPrefix("profiles") == true)
        let noExternalId = h.send("POST", path, ["entityType": "USERS", "profiles": [["profile": ["email": "a"]]]])
        #expect(noExternalId.causes.first?.hasPrefix("profiles[0].externalId") == true)
        // Nothing was accepted: still CREATED, no request counted.
        #expect(h.status(s) == "CREATED")
        #expect(h.report(s)["bulkRequests"] == 0)
        let e3 = try EmulatorHarness(acme: "\"entityTypeErrorCode\": \"E0000003\"")
        let s3 = e3.createSession()
        #expect(e3.send("POST", e3.api("/sessions/\(s3)/bulk-upsert"), ["entityType": "X", "profiles": [EmulatorHarness.user("a")]])
            .errorCode == "E0000003")
    }

    @Test func nonStringProfileValueIsRejectedNamingTheField() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        let users = [EmulatorHarness.user("u1"), EmulatorHarness.user("u2", ["employeeNumber": 42])]
        let r = h.upsert(s, users)
        #expect(r.status == 400)
        #expect(r.errorCode == "E0000001")
        #expect(r.causes.first?.hasPrefix("profiles[1].profile.employeeNumber:") == true)
        let array = h.upsert(s, [EmulatorHarness.user("u3", ["groups": ["a", "b"]])])
        #expect(array.causes.first?.contains("profiles[0].profile.groups") == true)
        // null is accepted (an unset value).
        #expect(h.upsert(s, [EmulatorHarness.user("u4", ["firstName": NSNull()])]).status == 202)
    }

    @Test func nonStringValueFailsTheImportInFailImportMode() throws {
        let h = try EmulatorHarness(acme: "\"nonStringValues\": \"failImport\"")
        let s = h.createSession()
        #expect(h.upsert(s, [EmulatorHarness.user("u1", ["active": true])]).status == 202)
        _ = h.trigger(s)
        h.advance(1)
        #expect(h.status(s) == "ERROR")
        #expect(h.users().isEmpty)
    }

    @Test func atMost200EntitiesPerRequest() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        let ok = (0..<200).map { EmulatorHarness.user("u\($0)") }
        #expect(h.upsert(s, ok).status == 202)
        let tooMany = h.upsert(s, (0..<201).map { EmulatorHarness.user("v\($0)") })
        #expect(tooMany.status == 400)
        #expect(tooMany.errorCode == "E0000001")
        #expect(tooMany.causes.first?.contains("201") == true)
        let deletes = h.delete(s, (0..<201).map { "u\($0)" })
        #expect(deletes.status == 400)
        let groups = h.send("POST", h.api("/sessions/\(s)/bulk-groups-delete"), ["externalIds": (0..<201).map { "g\($0)" }])
        #expect(groups.status == 400)
        let configured = try EmulatorHarness(acme: "\"limits\": {\"maxItems\": 2, \"errorStatus\": 413}")
        let c = configured.createSession()
        #expect(configured.upsert(c, (0..<3).map { EmulatorHarness.user("u\($0)") }).status == 413)
    }

    @Test func atMost200KilobytesPerRequest() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        let big = String(repeating: "x", count: 1200)
        let users = (0..<180).map { EmulatorHarness.user("u\($0)", ["notes": big]) }
        let r = h.upsert(s, users)
        #expect(r.status == 400)
        #expect(r.errorCode == "E0000001")
        #expect(r.causes.first?.contains("204800") == true)
        #expect(h.upsert(s, Array(users.prefix(100))).status == 202)
    }

    @Test func atMost50BulkRequestsPerSession() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        for i in 0..<50 {
            let r = i % 2 == 0 ? h.upsert(s, [EmulatorHarness.user("u\(i)")])
                : h.send("POST", h.api("/sessions/\(s)/bulk-groups-upsert"),
                         ["profiles": [["externalId": "g\(i)", "profile": ["displayName": "G\(i)"]]]])
            #expect(r.status == 202, "request \(i + 1)")
        }
        let fiftyFirst = h.upsert(s, [EmulatorHarness.user("late")])
        #expect(fiftyFirst.status == 400)
        #expect(fiftyFirst.causes.first?.contains("50") == true)
        #expect(h.report(s)["bulkRequests"] == 50)
        #expect(h.trigger(s).status == 200)
    }

    @Test func duplicateExternalIdsWinLastOrFailWhenConfigured() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        _ = h.upsert(s, [EmulatorHarness.user("u1", ["title": "a"])])
        _ = h.upsert(s, [EmulatorHarness.user("u1", ["title": "b"])])
        _ = h.trigger(s)
        h.advance(1)
        #expect((h.users().first?["profile"] as? [String: Any])?["title"] as? String == "b")
        let strict = try EmulatorHarness(acme: "\"duplicates\": \"error\"")
        let t = strict.createSession()
        #expect(strict.upsert(t, [EmulatorHarness.user("u1")]).status == 202)
        #expect(strict.upsert(t, [EmulatorHarness.user("u1")]).status == 400)
    }

    @Test func groupAndMembershipBodiesAreValidated() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        let noName = h.send("POST", h.api("/sessions/\(s)/bulk-groups-upsert"), ["profiles": [["externalId": "g1", "profile": [:] as [String: Any]]]])
        #expect(noName.causes.first?.contains("displayName") == true)
        let badMembers = h.send("POST", h.api("/sessions/\(s)/bulk-group-memberships-upsert"),
                                ["memberships": [["groupExternalId": "g1", "memberExternalIds": [1]]]])
        #expect(badMembers.causes.first?.hasPrefix("memberships[0].memberExternalIds[0]") == true)
        let missing = h.send("POST", h.api("/sessions/\(s)/bulk-group-memberships-delete"), ["memberships": [] as [Any]])
        #expect(missing.status == 400)
    }
}
