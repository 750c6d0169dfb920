import Foundation
import Testing

/// The emulator enforces the contract's group limits (§2.4): displayName 1–255, description ≤ 1024,
/// externalIds ≤ 255, ≤ 200 membership entries per request.
@Suite struct GroupLimitTests {
    @Test func groupFieldLimitsAreEnforced() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        func upsert(_ id: String, _ profile: [String: Any]) -> Int {
            h.send("POST", h.api("/sessions/\(s)/bulk-groups-upsert"), ["profiles": [["externalId": id, "profile": profile]]]).status
        }
        #expect(upsert("g1", ["displayName": String(repeating: "n", count: 255), "description": String(repeating: "d", count: 1024)]) == 202)
        let long = h.send("POST", h.api("/sessions/\(s)/bulk-groups-upsert"),
                          ["profiles": [["externalId": "g2", "profile": ["displayName": String(repeating: "n", count: 256)]]]])
        #expect(long.status == 400 && long.causes.first?.contains("displayName: The field must be 1 to 255 characters long") == true)
        #expect(upsert("g3", ["displayName": "x", "description": String(repeating: "d", count: 1025)]) == 400)
        #expect(upsert(String(repeating: "i", count: 256), ["displayName": "x"]) == 400)
        let entries = (0..<201).map { ["groupExternalId": "g\($0)", "memberExternalIds": ["u1"]] as [String: Any] }
        let many = h.send("POST", h.api("/sessions/\(s)/bulk-group-memberships-upsert"), ["memberships": entries])
        #expect(many.status == 400 && many.causes.first?.contains("200") == true)
        let ok = h.send("POST", h.api("/sessions/\(s)/bulk-group-memberships-upsert"), ["memberships": Array(entries.prefix(200))])
        #expect(ok.status == 202)
    }
}
