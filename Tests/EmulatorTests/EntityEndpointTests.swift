import Foundation
import Testing
@testable import Emulator

@Suite("Emulator individual user, group and membership endpoints")
struct EntityEndpointTests {
    @Test func userCreateGetReplacePatchDelete() throws {
        let h = try EmulatorHarness()
        let missing = h.send("POST", h.api("/users"), ["externalId": "e1", "profile": ["email": "a@x.io"]])
        #expect(missing.status == 400)
        #expect(missing.causes.first?.contains("userName") == true)
        let created = h.send("POST", h.api("/users"), ["externalId": "e1", "profile": ["email": "a@x.io", "userName": "a@x.io", "title": "T"]])
        #expect(created.status == 200)
        #expect((created.object["id"] as? String)?.hasPrefix("0ua") == true)
        let profile = created.object["profile"] as? [String: Any] ?? [:]
        #expect(profile["firstName"] is NSNull)  // unset base fields are explicit nulls
        #expect(profile["title"] as? String == "T")
        #expect(h.send("POST", h.api("/users"), ["externalId": "e1", "profile": ["email": "a@x.io", "userName": "a@x.io"]]).status == 400)

        #expect(h.send("GET", h.api("/users/e1")).object["externalId"] as? String == "e1")
        #expect(h.send("GET", h.api("/users/nope")).errorCode == "E0000007")

        let patched = h.send("PATCH", h.api("/users/e1"), ["profile": ["firstName": "Ann", "title": NSNull()]])
        #expect(patched.status == 200)
        let p = patched.object["profile"] as? [String: Any] ?? [:]
        #expect(p["firstName"] as? String == "Ann")
        #expect(p["title"] == nil)
        #expect(p["email"] as? String == "a@x.io")

        let replaced = h.send("PUT", h.api("/users/e1"), ["externalId": "e1", "profile": ["email": "b@x.io", "userName": "b@x.io"]])
        #expect(replaced.status == 200)
        #expect((replaced.object["profile"] as? [String: Any])?["firstName"] is NSNull)

        let deleted = h.send("DELETE", h.api("/users/e1"))
        #expect(deleted.status == 200)
        #expect(deleted.body.isEmpty)
        #expect(h.users().first?["status"] as? String == "DEPROVISIONED")
        let strict = try EmulatorHarness(acme: "\"deleteEntityStatus\": 204")
        _ = strict.send("POST", strict.api("/users"), ["externalId": "e1", "profile": ["email": "a@x.io", "userName": "a@x.io"]])
        #expect(strict.send("DELETE", strict.api("/users/e1")).status == 204)
    }

    @Test func groupsAndMembershipPaging() throws {
        let h = try EmulatorHarness()
        let group = h.send("POST", h.api("/groups"), ["externalId": "g1", "profile": ["displayName": "Ops", "description": "d"]])
        #expect(group.status == 200)
        let id = try #require(group.object["id"] as? String)
        #expect(id.hasPrefix("00g"))
        #expect((group.object["profile"] as? [String: Any])?["displayName"] as? String == "Ops")
        #expect(h.send("GET", h.api("/groups/\(id)")).object["externalId"] as? String == "g1")
        #expect(h.send("GET", h.api("/groups/g1")).object["id"] as? String == id)
        #expect(h.send("POST", h.api("/groups/g1"), ["externalId": "g1", "profile": ["displayName": "Ops2"]]).status == 200)

        for i in 0..<5 {
            _ = h.send("POST", h.api("/users"), ["externalId": "m\(i)", "profile": ["email": "m\(i)@x.io", "userName": "m\(i)@x.io"]])
            #expect(h.send("POST", h.api("/groups/g1/membership"), ["memberExternalId": "m\(i)"]).status == 204)
        }
        #expect(h.send("POST", h.api("/groups/g1/membership"), ["memberExternalId": "ghost"]).status == 400)
        let page1 = h.send("GET", h.api("/groups/g1/membership?limit=2"))
        #expect(page1.object["memberExternalIds"] as? [String] == ["m0", "m1"])
        let link = try #require(page1.headers["Link"])
        #expect(link.contains("rel=\"next\"") && link.contains("after=m1"))
        let page2 = h.send("GET", h.api("/groups/g1/membership?after=m1&limit=2"))
        #expect(page2.object["memberExternalIds"] as? [String] == ["m2", "m3"])
        #expect(h.send("DELETE", h.api("/groups/g1/membership/m0")).status == 204)
        let last = h.send("GET", h.api("/groups/g1/membership?after=m3&limit=2"))
        #expect(last.object["memberExternalIds"] as? [String] == ["m4"])
        #expect(last.headers["Link"] == nil)
        #expect(h.send("DELETE", h.api("/groups/\(id)")).status == 200)
        #expect(h.send("GET", h.api("/groups/g1")).status == 404)
    }
}
