import Foundation
import Testing
@testable import Host

@Suite("OktaClient retries and rate limits")
struct OktaClientRetryTests {
    static let date = "Sun, 22 Nov 2026 22:00:00 GMT"
    static let dateEpoch = 1_795_384_800  // 2026-11-22T22:00:00Z

    static func rateLimited(resetIn: Int?, date: String? = OktaClientRetryTests.date, requestId: String) -> FakeTransport.Step {
        var headers: [(String, String)] = [("X-Okta-Request-Id", requestId), ("X-Rate-Limit-Limit", "600"),
                                           ("X-Rate-Limit-Remaining", "0")]
        if let resetIn { headers.append(("X-Rate-Limit-Reset", String(dateEpoch + resetIn))) }
        if let date { headers.append(("Date", date)) }
        return Fake.json(429, Fake.error("E0000047", "API call exceeded rate limit due to too many requests."), headers)
    }

    @Test("the epoch used by these tests is right")
    func epoch() { #expect(HTTPDate.epochSeconds(Self.date) == Self.dateEpoch) }

    @Test("429: waits reset − date + 1 s plus jitter, then retries with X-Okta-Retry-For/-Count")
    func rateLimitWait() async throws {
        let transport = FakeTransport([
            Self.rateLimited(resetIn: 5, requestId: "req-a"),
            Self.rateLimited(resetIn: 2, requestId: "req-b"),
            Fake.json(200, "[]", [("X-Rate-Limit-Limit", "600"), ("X-Rate-Limit-Remaining", "599"),
                                  ("X-Rate-Limit-Reset", String(Self.dateEpoch + 60)), ("Date", Self.date)]),
        ])
        let sleeper = SleepRecorder()
        let observer = RecordingObserver()
        let client = try Fake.client(transport, observer: observer, sleeper: sleeper, random: 0.25)
        #expect(try await client.listSessions(identitySourceId: Fake.source).isEmpty)
        #expect(sleeper.delays == [6.25, 3.25])
        let requests = transport.requests
        try #require(requests.count == 3)
        #expect(requests[0].header("X-Okta-Retry-For") == nil && requests[0].header("X-Okta-Retry-Count") == nil)
        #expect(requests[1].header("X-Okta-Retry-For") == "req-a" && requests[1].header("X-Okta-Retry-Count") == "1")
        #expect(requests[2].header("X-Okta-Retry-For") == "req-b" && requests[2].header("X-Okta-Retry-Count") == "2")
        #expect(observer.permits == 3)
        #expect(observer.snapshots == [
            RateLimitSnapshot(status: 429, limit: 600, remaining: 0, resetEpochSeconds: Self.dateEpoch + 5, dateEpochSeconds: Self.dateEpoch),
            RateLimitSnapshot(status: 429, limit: 600, remaining: 0, resetEpochSeconds: Self.dateEpoch + 2, dateEpochSeconds: Self.dateEpoch),
            RateLimitSnapshot(status: 200, limit: 600, remaining: 599, resetEpochSeconds: Self.dateEpoch + 60, dateEpochSeconds: Self.dateEpoch),
        ])
    }

    @Test("429: the wait is capped by maxBackoffSeconds; a reset in the past waits 1 s")
    func rateLimitCap() async throws {
        var configuration = Fake.configuration()
        configuration.maxBackoffSeconds = 30
        let transport = FakeTransport([
            Self.rateLimited(resetIn: 1000, requestId: "r1"), Self.rateLimited(resetIn: -10, requestId: "r2"), Fake.json(200, "[]"),
        ])
        let sleeper = SleepRecorder()
        _ = try await Fake.client(transport, configuration: configuration, sleeper: sleeper, random: 0)
            .listSessions(identitySourceId: Fake.source)
        #expect(sleeper.delays == [30, 1])
    }

    @Test("429 with several X-Rate-Limit-Reset values uses the smallest")
    func severalResets() async throws {
        let headers = [("Date", Self.date), ("X-Rate-Limit-Reset", String(Self.dateEpoch + 9)),
                       ("X-Rate-Limit-Reset", String(Self.dateEpoch + 4))]
        let transport = FakeTransport([Fake.json(429, "{}", headers), Fake.json(200, "[]")])
        let sleeper = SleepRecorder()
        _ = try await Fake.client(transport, sleeper: sleeper, random: 0).listSessions(identitySourceId: Fake.source)
        #expect(sleeper.delays == [5])
    }

    @Test("429 without Date (or with a bad Reset) falls back to capped exponential backoff")
    func rateLimitWithoutDate() async throws {
        let transport = FakeTransport([
            Self.rateLimited(resetIn: 5, date: nil, requestId: "r1"),
            Self.rateLimited(resetIn: nil, requestId: "r2"),
            Self.rateLimited(resetIn: 5, date: "yesterday-ish", requestId: "r3"),
            Fake.json(200, "[]"),
        ])
        let sleeper = SleepRecorder()
        _ = try await Fake.client(transport, sleeper: sleeper, random: 0.5).listSessions(identitySourceId: Fake.source)
        // initialBackoffSeconds 1 → steps 1, 2, 4 with jitter factor 0.5 + 0.5 · 0.5 = 0.75
        #expect(sleeper.delays == [0.75, 1.5, 3])
    }

    @Test("429 without Date and retryRateLimitWithoutResetHeaders = false: .rateLimited at once (Okta SDK behaviour)")
    func rateLimitWithoutDateStrict() async throws {
        var configuration = Fake.configuration()
        configuration.retryRateLimitWithoutResetHeaders = false
        let transport = FakeTransport([Self.rateLimited(resetIn: 5, date: nil, requestId: "r1"), Fake.json(200, "[]")])
        let error = await #expect(throws: OktaError.self) {
            _ = try await Fake.client(transport, configuration: configuration).listSessions(identitySourceId: Fake.source)
        }
        #expect(error?.kind == .rateLimited && error?.httpStatus == 429 && error?.errorCode == "E0000047")
        #expect(transport.requests.count == 1)
    }

    @Test("429 on every attempt: retried until the waits exhaust the time budget, then .rateLimited")
    func rateLimitExhausted() async throws {
        var configuration = Fake.configuration()
        configuration.maxRetries = 2
        configuration.rateLimitRetryBudgetSeconds = 10
        let transport = FakeTransport((1...9).map { Self.rateLimited(resetIn: 2, requestId: "r\($0)") })
        let sleeper = SleepRecorder()
        let error = await #expect(throws: OktaError.self) {
            _ = try await Fake.client(transport, configuration: configuration, sleeper: sleeper, random: 0)
                .listSessions(identitySourceId: Fake.source)
        }
        #expect(error?.kind == .rateLimited)
        #expect(sleeper.delays == [3, 3, 3], "429s do not count against maxRetries (2); the 10 s budget ends them")
        #expect(error?.description.contains("gave up after waiting 9 s over 3 retries for the rate limit (budget 10 s)") == true,
                "\(error?.description ?? "")")
        #expect(error?.requestId == "r4")
        #expect(transport.requests.count == 4)
    }

    @Test("a 429 storm (defect #14.10): many 429s in one call are waited out, following Retry-After when there is no reset")
    func rateLimitStormIsWaitedOut() async throws {
        var configuration = Fake.configuration()
        configuration.maxRetries = 1
        var steps: [FakeTransport.Step] = (1...6).map { Self.rateLimited(resetIn: 1, requestId: "r\($0)") }
        steps.append(Fake.json(429, "{}", [("Retry-After", "7")]))
        steps.append(Fake.json(200, "[]"))
        let transport = FakeTransport(steps)
        let sleeper = SleepRecorder()
        let sessions = try await Fake.client(transport, configuration: configuration, sleeper: sleeper, random: 0)
            .listSessions(identitySourceId: Fake.source)
        #expect(sessions.isEmpty)
        #expect(sleeper.delays == [2, 2, 2, 2, 2, 2, 7])
        #expect(transport.requests.count == 8)
    }

    @Test("5xx and transport errors on GET back off exponentially (capped) and then throw")
    func serverErrorsExhausted() async throws {
        var configuration = Fake.configuration()
        configuration.maxBackoffSeconds = 3
        let transport = FakeTransport([.fail(.timedOut), Fake.empty(500), Fake.empty(502), .fail(.cannotConnectToHost), Fake.empty(503)])
        let sleeper = SleepRecorder()
        let error = await #expect(throws: OktaError.self) {
            _ = try await Fake.client(transport, configuration: configuration, sleeper: sleeper, random: 1)
                .listSessions(identitySourceId: Fake.source)
        }
        #expect(sleeper.delays == [1, 2, 3, 3])
        #expect(error?.kind == .api && error?.httpStatus == 503)
        #expect(error?.description.contains("gave up after 4 retries") == true)
        #expect(transport.requests.count == 5)
    }

    @Test("transport error that persists → .transport with a short message")
    func transportError() async throws {
        var configuration = Fake.configuration()
        configuration.maxRetries = 0
        let transport = FakeTransport([.fail(.cannotConnectToHost)])
        let error = await #expect(throws: OktaError.self) {
            _ = try await Fake.client(transport, configuration: configuration).listSessions(identitySourceId: Fake.source)
        }
        #expect(error?.kind == .transport)
        #expect(error?.description == "Okta request failed: could not connect to the host (URLError -1004); gave up after 0 retries [GET /api/v1/identity-sources/\(Fake.source)/sessions]")
    }

    @Test("bulk upload: exact body and Content-Type; 503 is retried (idempotent), 400 is not")
    func bulkRetry() async throws {
        var batcher = BulkBatcher(operation: .upsertUsers)
        do { let ok = batcher.append(.user(externalId: "emp-1", profile: Profile([("userName", "a@example.com")]))); #expect(ok) }
        let body = try unwrap(batcher.finish())
        let transport = FakeTransport([Fake.empty(503, [("Retry-After", "7")]), Fake.empty(202),
                                       Fake.json(400, Fake.error("E0000001", "Api validation failed: profiles"))])
        let sleeper = SleepRecorder()
        let client = try Fake.client(transport, sleeper: sleeper)
        try await client.bulk(.upsertUsers, identitySourceId: Fake.source, sessionId: Fake.sessionId, body: body)
        #expect(sleeper.delays == [7])
        let requests = transport.requests
        #expect(requests.count == 2)
        #expect(requests[1].path == "/api/v1/identity-sources/\(Fake.source)/sessions/\(Fake.sessionId)/bulk-upsert")
        #expect(requests[1].body == body.bytes)
        #expect(requests[1].bodyText == #"{"entityType":"USERS","profiles":[{"externalId":"emp-1","profile":{"userName":"a@example.com"}}]}"#)
        #expect(requests[1].header("Content-Type") == "application/json")
        await #expect(throws: OktaError.self) {
            try await client.bulk(.upsertUsers, identitySourceId: Fake.source, sessionId: Fake.sessionId, body: body)
        }
        #expect(transport.requests.count == 3)
    }
}
