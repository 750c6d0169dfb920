import Foundation
import HTTPServer
import Host
import Testing
import XaasJSON

/// 429/503/504 with `Retry-After` in both forms, surfaced statuses with their retry hints, and tokens:
/// client credentials, renewal ahead of expiry, one refresh on 401, secrets kept out of errors and logs.
@Suite struct GraphThrottlingTests {
    static func throttled(_ status: Int, retryAfter: String?) -> HTTPResponse {
        var response = FakeGraph.error(status, status == 429 ? "TooManyRequests" : "ServiceUnavailable",
                                       status == 429 ? "Too many requests" : "Service unavailable")
        if let retryAfter { response.headers.set("Retry-After", retryAfter) }
        return response
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    @Test func retriesA429AfterRetryAfterSeconds() throws {
        let fake = try GraphPagingTests.fake(users: 3)
        fake.inject(.init(pathPrefix: "/v1.0/users", response: Self.throttled(429, retryAfter: "1")))
        let h = try GraphHarness(fake)
        let round = try h.readAll()
        #expect(round.users.count == 3)
        #expect(fake.requests.count == 2)
        #expect(h.logged.contains { $0.contains("HTTP 429") && $0.contains("in 1.0 s (Retry-After)") }, "\(h.logged)")
    }

    @Test func retriesA429AfterAnHTTPDate() throws {
        let fake = try GraphPagingTests.fake(users: 3)
        fake.inject(.init(pathPrefix: "/v1.0/users", response: Self.throttled(429, retryAfter: Self.httpDate(Date().addingTimeInterval(2)))))
        let h = try GraphHarness(fake)
        #expect(try h.readAll().users.count == 3)
        #expect(fake.requests.count == 2)
        #expect(h.logged.contains { $0.contains("HTTP 429") && $0.contains("(Retry-After)") })
    }

    @Test func surfacesRateLimitedWithTheHintWhenTheWaitIsLong() throws {
        let fake = try GraphPagingTests.fake(users: 3)
        // An HTTP-date two minutes away: longer than maxRetryDelaySeconds (30), so the host gets it at once.
        fake.inject(.init(pathPrefix: "/v1.0/users", response: Self.throttled(429, retryAfter: Self.httpDate(Date().addingTimeInterval(120)))))
        let h = try GraphHarness(fake, settings: "\"pageSize\": 2")
        #expect {
            _ = try h.instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 10)
        } throws: { error in
            guard let e = error as? PluginError else { return false }
            return e.code == .rateLimited && (115_000...121_000).contains(e.retryAfterMilliseconds) && e.message.contains("HTTP 429")
        }
        // Seconds form, no inline retries allowed: the hint is exactly the header.
        let h2 = try GraphHarness(fake, settings: "\"pageSize\": 2, \"maxRetries\": 0")
        let first = try h2.instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 10)
        fake.inject(.init(pathPrefix: "/v1.0/users", response: Self.throttled(429, retryAfter: "7")))
        var hint: UInt32 = 0
        do {
            _ = try h2.instance.readPage(cursor: first.nextCursor, checkpoint: nil, pageSizeHint: 10)
        } catch {
            #expect(error.code == .rateLimited)
            hint = error.retryAfterMilliseconds
        }
        #expect(hint == 7000)
        // The host retries the same cursor, which then succeeds.
        let second = try h2.instance.readPage(cursor: first.nextCursor, checkpoint: nil, pageSizeHint: 10)
        #expect(second.records.map(\.externalId) == [GraphUsers.id(3)])
        // An absurd Retry-After is capped at a day, not a crash.
        fake.inject(.init(pathPrefix: "/v1.0/users", response: Self.throttled(429, retryAfter: "99999999999999999999999")))
        #expect {
            _ = try h2.instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 10)
        } throws: { ($0 as? PluginError)?.retryAfterMilliseconds == 86_400_000 }
    }

    @Test func retries503WithBackoffAndSurfaces504AsTransient() throws {
        let fake = try GraphPagingTests.fake(users: 2)
        fake.inject(.init(pathPrefix: "/v1.0/users", response: Self.throttled(503, retryAfter: nil)))
        let h = try GraphHarness(fake)
        #expect(try h.readAll().users.count == 2)
        #expect(h.logged.contains { $0.contains("HTTP 503") && $0.contains("retry 1 of 3") && !$0.contains("Retry-After") })

        let h2 = try GraphHarness(fake, settings: "\"maxRetries\": 0")
        fake.inject(.init(pathPrefix: "/v1.0/users", response: Self.throttled(504, retryAfter: "3")))
        #expect {
            _ = try h2.readAll()
        } throws: { error in
            let e = error as? PluginError
            return e?.code == .transient && e?.retryAfterMilliseconds == 3000 && e?.message.contains("request-id") == true
        }
    }

    static func clientCredentials(_ fake: FakeGraph) -> String {
        "{\"type\": \"clientCredentials\", \"tokenUrl\": \"\(fake.tokenURL)\", \"clientId\": \"app-id\", "
            + "\"clientSecret\": {\"env\": \"\(GraphHarness.secretVariable)\"}, \"scope\": \"https://graph.microsoft.com/.default\"}"
    }

    @Test func clientCredentialsTokenIsReusedAndRefreshedOnceOn401() throws {
        let fake = try GraphPagingTests.fake(users: 6)
        let h = try GraphHarness(fake, settings: "\"pageSize\": 2", auth: Self.clientCredentials(fake))
        #expect(try h.readAll().users.count == 6)
        #expect(fake.tokenRequests == 1, "one token for three pages")
        // The token expires (the server refuses it): one new token, then the read goes on.
        var cursor = try h.instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 2).nextCursor
        fake.expireAccessTokens()
        var users = 2
        while let c = cursor {
            let page = try h.instance.readPage(cursor: c, checkpoint: nil, pageSizeHint: 2)
            users += page.records.count
            cursor = page.nextCursor
        }
        #expect(users == 6)
        #expect(fake.tokenRequests == 2)
        #expect(h.logged.contains { $0.contains("returned 401; renewing the access token once") })
        let bodies = fake.requests.filter { $0.path.hasSuffix("/token") }.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bodies.allSatisfy { $0.contains("grant_type=client_credentials") && $0.contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default") })
    }

    @Test func shortLivedTokensAreRenewedAheadOfExpiry() throws {
        let fake = try GraphPagingTests.fake(users: 6)
        fake.state.withLock { $0.expiresIn = 30 }  // renewed when less than a tenth (3 s) is left: not yet
        let h = try GraphHarness(fake, settings: "\"pageSize\": 2", auth: Self.clientCredentials(fake))
        _ = try h.readAll()
        #expect(fake.tokenRequests == 1)
        fake.state.withLock { $0.expiresIn = 0 }  // a token that is already due: renewed before every request
        let h2 = try GraphHarness(fake, settings: "\"pageSize\": 2", auth: Self.clientCredentials(fake))
        _ = try h2.readAll()
        #expect(fake.tokenRequests == 1 + 3)
        #expect(!fake.requests.contains { $0.path.hasPrefix("/v1.0") && $0.headers["Authorization"] == nil })
    }

    @Test func aPersistent401IsAnAuthErrorWithoutSecrets() throws {
        let fake = try GraphPagingTests.fake(users: 1)
        fake.state.withLock { $0.clientSecret = "another-secret" }
        let h = try GraphHarness(fake, auth: Self.clientCredentials(fake))
        #expect {
            _ = try h.readAll()
        } throws: { error in
            let e = error as? PluginError
            return e?.code == .auth && e?.message.contains("invalid_client") == true
                && e?.message.contains("AADSTS7000215") == true && e?.message.contains("s3cr3t") == false
        }
        // A refused bearer token: refreshed (re-read) once, then AUTH.
        fake.state.withLock { $0.bearer = "rotated" }
        let h2 = try GraphHarness(fake)
        #expect {
            _ = try h2.readAll()
        } throws: { ($0 as? PluginError)?.code == .auth }
        #expect(fake.requests.filter { $0.path == "/v1.0/users" }.count == 2)
        #expect(!(h.logged + h2.logged).contains { $0.contains("s3cr3t") || $0.contains("static-bearer-token-value") })
    }

    @Test func aServerEchoingTheTokenDoesNotLeakIt() throws {
        let fake = try GraphPagingTests.fake(users: 1)
        fake.inject(.init(pathPrefix: "/v1.0/users", response: FakeGraph.error(
            403, "Authorization_RequestDenied", "Insufficient privileges for token static-bearer-token-value")))
        let h = try GraphHarness(fake)
        #expect {
            _ = try h.readAll()
        } throws: { error in
            let e = error as? PluginError
            return e?.code == .permission && e?.message.contains("User.Read.All") == true
                && e?.message.contains("static-bearer-token-value") == false && e?.message.contains("***") == true
        }
    }
}
