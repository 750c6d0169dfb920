import Foundation
import Testing
@testable import Emulator

@Suite("Emulator authentication, isolation and rate limits")
struct AuthAndRateLimitTests {
    @Test func tokensAreRequiredAndBelongToOneOrg() throws {
        let h = try EmulatorHarness()
        let path = h.api("/sessions")
        let missing = h.send("GET", path, auth: "")
        #expect(missing.status == 401)
        #expect(missing.errorCode == "E0000011")
        #expect(h.send("GET", path, auth: "SSWS nope").errorCode == "E0000011")
        #expect(h.send("GET", path, auth: "Basic dDp0").status == 401)
        #expect(h.send("GET", path, auth: "SSWS t-acme").status == 200)
        #expect(h.send("GET", path, auth: "SSWSt-acme").status == 200)  // as Okta's Python SDK 3.4 sends it
        #expect(h.send("GET", path, auth: "SSWS ").status == 401)
        #expect(h.send("GET", path, auth: "Bearer t-acme").status == 200)
        // Org beta's token never reaches acme's identity sources, and the reverse.
        let cross = h.send("POST", path, auth: "SSWS t-beta")
        #expect(cross.status == 404)
        #expect(cross.errorCode == "E0000007")
        #expect(h.send("GET", "/api/v1/identity-sources/0oabeta0000000000001/sessions").status == 404)
        #expect(h.send("GET", "/api/v1/identity-sources/0oabeta0000000000001/sessions", auth: "SSWS t-beta").status == 200)
        #expect(h.send("GET", h.api("/sessions", source: "0oaunknown")).errorCode == "E0000007")
        // Nothing was created by the refused requests.
        #expect(h.inspectSessions().isEmpty)
    }

    @Test func bearerScopesAreChecked() throws {
        let h = try EmulatorHarness()
        let read = h.send("GET", h.api("/sessions"), auth: "Bearer t-read")
        #expect(read.status == 200)
        let write = h.send("POST", h.api("/sessions"), auth: "Bearer t-read")
        #expect(write.status == 403)
        #expect(write.errorCode == "E0000006")
        #expect(write.headers["WWW-Authenticate"]?.contains("insufficient_scope") == true)
        #expect(write.headers["WWW-Authenticate"]?.contains("okta.identitySources.manage") == true)
    }

    @Test func everyResponseCarriesRateLimitDateAndRequestIdHeaders() throws {
        let h = try EmulatorHarness()
        for r in [h.send("POST", h.api("/sessions")), h.send("GET", h.api("/sessions/nope")), h.send("GET", h.api("/sessions"), auth: "SSWS x")] {
            #expect(r.headers["X-Rate-Limit-Limit"] != nil)
            #expect(r.headers["X-Rate-Limit-Remaining"] != nil)
            #expect(Int(r.headers["X-Rate-Limit-Reset"] ?? "") != nil)
            #expect(r.headers["Date"]?.hasSuffix(" GMT") == true)
            #expect((r.headers["X-Okta-Request-Id"] ?? "").count == 20)
        }
        // Unlimited org: a large limit is still announced.
        #expect(Int(h.send("GET", h.api("/sessions")).headers["X-Rate-Limit-Limit"] ?? "") ?? 0 >= 100_000)
    }

    @Test func rateLimitPerOrgPerMinute() throws {
        let h = try EmulatorHarness(acme: "\"rateLimit\": {\"perMinute\": 5}")
        var remaining: [String] = []
        for _ in 0..<5 {
            let r = h.send("GET", h.api("/sessions"))
            #expect(r.status == 200)
            remaining.append(r.headers["X-Rate-Limit-Remaining"] ?? "")
        }
        #expect(remaining == ["4", "3", "2", "1", "0"])
        let limited = h.send("GET", h.api("/sessions"))
        #expect(limited.status == 429)
        #expect(limited.errorCode == "E0000047")
        #expect(limited.headers["X-Rate-Limit-Limit"] == "5")
        // The reset lies within the next minute of the Date header.
        let reset = try #require(Int(limited.headers["X-Rate-Limit-Reset"] ?? ""))
        let clock = h.send("GET", "/emulator/v1/clock").object["epochSeconds"] as? Double ?? 0
        #expect(Double(reset) > clock && Double(reset) <= clock + 60)
        // Another org has its own bucket.
        var beta = h
        beta.token = "t-beta"
        #expect(beta.send("GET", beta.api("/sessions", source: "0oabeta0000000000001")).status == 200)
        #expect(h.send("GET", "/emulator/v1/orgs/acme/stats").object["rateLimited"] as? Int == 1)
        h.advance(60)
        #expect(h.send("GET", h.api("/sessions")).status == 200)
    }
}
