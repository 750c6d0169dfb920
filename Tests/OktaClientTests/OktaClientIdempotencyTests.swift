import Foundation
import Testing
@testable import Host

/// Non-idempotent calls (create-session, start-import) are never repeated blindly after an ambiguous failure.
@Suite("OktaClient non-idempotent calls")
struct OktaClientIdempotencyTests {
    @Test("start-import 5xx, session now TRIGGERED → returned without a second POST")
    func startImportTookEffect() async throws {
        let transport = FakeTransport([Fake.empty(502), Fake.json(200, Fake.session("TRIGGERED"))])
        let session = try await Fake.client(transport).startImport(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        #expect(session.status == .triggered)
        #expect(transport.requests.map(\.method) == ["POST", "GET"])
    }

    @Test("start-import transport error, session COMPLETED → returned")
    func startImportCompleted() async throws {
        let transport = FakeTransport([.fail(.networkConnectionLost), Fake.json(200, Fake.session("COMPLETED"))])
        let session = try await Fake.client(transport).startImport(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        #expect(session.status == .completed)
        #expect(transport.requests.count == 2)
    }

    @Test("start-import 500, session still IN_PROGRESS → retried after backoff")
    func startImportRetried() async throws {
        let transport = FakeTransport([Fake.empty(500, [("X-Okta-Request-Id", "req-500")]),
                                       Fake.json(200, Fake.session("IN_PROGRESS")),
                                       Fake.json(200, Fake.session("TRIGGERED"))])
        let sleeper = SleepRecorder()
        let session = try await Fake.client(transport, sleeper: sleeper, random: 0)
            .startImport(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        #expect(session.status == .triggered)
        #expect(transport.requests.map(\.method) == ["POST", "GET", "POST"])
        #expect(transport.requests[2].header("X-Okta-Retry-For") == "req-500")
        #expect(sleeper.delays == [0.5])
    }

    @Test("start-import 500, session EXPIRED → the original error, no retry")
    func startImportGone() async throws {
        let transport = FakeTransport([Fake.empty(500), Fake.json(200, Fake.session("EXPIRED"))])
        let error = await #expect(throws: OktaError.self) {
            _ = try await Fake.client(transport).startImport(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        }
        #expect(error?.httpStatus == 500)
        #expect(transport.requests.map(\.method) == ["POST", "GET"])
    }

    @Test("start-import 500 and the re-read fails too → the original error, never a blind retry")
    func startImportUnknown() async throws {
        var configuration = Fake.configuration()
        configuration.maxRetries = 1
        let transport = FakeTransport([Fake.empty(500), .fail(.timedOut), .fail(.timedOut), Fake.json(200, Fake.session("TRIGGERED"))])
        let error = await #expect(throws: OktaError.self) {
            _ = try await Fake.client(transport, configuration: configuration)
                .startImport(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        }
        #expect(error?.httpStatus == 500)
        #expect(error?.description.contains("could not re-read the state") == true)
        #expect(transport.requests.map(\.method) == ["POST", "GET", "GET"])
    }

    @Test("start-import 400 is final (no re-read)")
    func startImport400() async throws {
        let transport = FakeTransport([Fake.json(400, Fake.error("E0000001", "Api validation failed: session"))])
        await #expect(throws: OktaError.self) {
            _ = try await Fake.client(transport).startImport(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        }
        #expect(transport.requests.count == 1)
    }

    @Test("start-import 429 is safe to repeat (refused, not processed)")
    func startImport429() async throws {
        let transport = FakeTransport([Fake.json(429, "{}", [("Date", OktaClientRetryTests.date),
                                                             ("X-Rate-Limit-Reset", String(OktaClientRetryTests.dateEpoch + 1))]),
                                       Fake.json(200, Fake.session("TRIGGERED"))])
        let session = try await Fake.client(transport).startImport(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        #expect(session.status == .triggered)
        #expect(transport.requests.map(\.method) == ["POST", "POST"])
    }

    @Test("create-session 502, a new CREATED session appeared → returned, no second POST")
    func createTookEffect() async throws {
        let transport = FakeTransport([
            Fake.json(200, "[\(Fake.session("TRIGGERED", id: "apsOld"))]"),
            Fake.empty(502),
            Fake.json(200, "[\(Fake.session("TRIGGERED", id: "apsOld")),\(Fake.session("CREATED", id: "apsNew"))]"),
        ])
        let session = try await Fake.client(transport).createSession(identitySourceId: Fake.source)
        #expect(session.id == "apsNew")
        #expect(transport.requests.map(\.method) == ["GET", "POST", "GET"])
    }

    @Test("create-session timeout, nothing new → retried; a CREATED session that existed before does not count")
    func createRetried() async throws {
        let transport = FakeTransport([
            Fake.json(200, "[\(Fake.session("CREATED", id: "apsOld"))]"),
            .fail(.timedOut),
            Fake.json(200, "[\(Fake.session("CREATED", id: "apsOld"))]"),
            Fake.json(201, Fake.session("CREATED", id: "apsNew")),
        ])
        let session = try await Fake.client(transport).createSession(identitySourceId: Fake.source)
        #expect(session.id == "apsNew")
        #expect(transport.requests.map(\.method) == ["GET", "POST", "GET", "POST"])
        #expect(transport.requests[3].header("X-Okta-Retry-Count") == "1")
    }

    @Test("create-session when the first list is refused (403): the POST is still sent; 201 → the session")
    func createWithoutBaseline() async throws {
        let transport = FakeTransport([Fake.json(403, Fake.error("E0000006", "You do not have permission")),
                                       Fake.json(201, Fake.session("CREATED"))])
        let session = try await Fake.client(transport).createSession(identitySourceId: Fake.source)
        #expect(session.status == .created)
        #expect(transport.requests.map(\.method) == ["GET", "POST"])
    }

    @Test("create-session without a baseline list and a 502 → the error, never a blind second POST")
    func createWithoutBaselineAmbiguous() async throws {
        let transport = FakeTransport([Fake.json(403, "{}"), Fake.empty(502), Fake.json(201, Fake.session("CREATED"))])
        let error = await #expect(throws: OktaError.self) {
            _ = try await Fake.client(transport).createSession(identitySourceId: Fake.source)
        }
        #expect(error?.httpStatus == 502)
        #expect(transport.requests.map(\.method) == ["GET", "POST"])
    }

    @Test("cancel: 503 then 400 and the session is not CLOSED → the 400 is thrown")
    func cancelNotClosed() async throws {
        let transport = FakeTransport([Fake.empty(503), Fake.json(400, Fake.error("E0000001", "Api validation failed")),
                                       Fake.json(200, Fake.session("TRIGGERED"))])
        let error = await #expect(throws: OktaError.self) {
            try await Fake.client(transport).cancelSession(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        }
        #expect(error?.httpStatus == 400 && error?.errorCode == "E0000001")
        #expect(transport.requests.map(\.method) == ["DELETE", "DELETE", "GET"])
    }
}
