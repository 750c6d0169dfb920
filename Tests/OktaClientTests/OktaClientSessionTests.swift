import Foundation
import Testing
@testable import Host

@Suite("OktaClient sessions")
struct OktaClientSessionTests {
    let base = "/api/v1/identity-sources/\(Fake.source)/sessions"

    @Test("create-session: lists first, POSTs with no body, accepts 201 and an object")
    func createSession201() async throws {
        let transport = FakeTransport([Fake.json(200, "[]"), Fake.json(201, Fake.session("CREATED"))])
        let client = try Fake.client(transport)
        let session = try await client.createSession(identitySourceId: Fake.source)
        #expect(session == ImportSession(id: Fake.sessionId, identitySourceId: Fake.source, status: .created,
                                         importType: "INCREMENTAL", created: "2026-05-13T05:52:24.000Z",
                                         lastUpdated: "2026-05-13T05:52:24.000Z"))
        let requests = transport.requests
        try #require(requests.count == 2)
        #expect(requests[0].method == "GET" && requests[0].path == base)
        let post = requests[1]
        #expect(post.method == "POST" && post.path == base)
        #expect(post.body == nil)
        #expect(post.header("Content-Type") == nil)
        #expect(post.header("Accept") == "application/json")
        #expect(post.header("Authorization") == "SSWS \(Fake.token)")
        #expect(post.header("User-Agent") == "xaas/\(XaasVersion.current)")
        #expect(post.url.absoluteString == "https://example.okta.com\(base)")
    }

    @Test("create-session accepts 200 and a one-element array; Bearer scheme")
    func createSessionArray() async throws {
        let transport = FakeTransport([Fake.json(200, "[]"), Fake.json(200, "[\(Fake.session("CREATED"))]")])
        let client = try Fake.client(transport, configuration: Fake.configuration("https://example.okta.com/", scheme: .bearer))
        let session = try await client.createSession(identitySourceId: Fake.source)
        #expect(session.status == .created && session.id == Fake.sessionId)
        #expect(transport.requests[1].header("Authorization") == "Bearer \(Fake.token)")
        #expect(transport.requests[1].url.absoluteString == "https://example.okta.com\(base)")
    }

    @Test("a session array of two is a decoding error, not a silent pick")
    func twoElementArray() async throws {
        let transport = FakeTransport([Fake.json(200, "[\(Fake.session("CREATED")),\(Fake.session("CREATED", id: "aps2"))]")])
        let client = try Fake.client(transport)
        let error = await #expect(throws: OktaError.self) {
            _ = try await client.getSession(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        }
        #expect(error?.kind == .decoding)
        #expect(error?.description.contains("array of 2") == true)
    }

    @Test("list-sessions: array, empty array, old four-field form, unknown status")
    func listSessions() async throws {
        let old = #"{"id":"aps3","identitySourceId":"\#(Fake.source)","status":"SOMETHING_NEW","importType":"INCREMENTAL"}"#
        let transport = FakeTransport([
            Fake.json(200, "[\(Fake.session("TRIGGERED")),\(old)]"),
            Fake.json(200, "[]"),
        ])
        let client = try Fake.client(transport)
        let sessions = try await client.listSessions(identitySourceId: Fake.source)
        #expect(sessions.map(\.status) == [.triggered, .unknown])
        #expect(sessions[1].created == nil && sessions[1].lastUpdated == nil && sessions[1].id == "aps3")
        #expect(try await client.listSessions(identitySourceId: Fake.source).isEmpty)
    }

    @Test("get-session: every documented status decodes", arguments: [
        ("CREATED", ImportSessionStatus.created), ("IN_PROGRESS", .inProgress), ("TRIGGERED", .triggered),
        ("COMPLETED", .completed), ("CLOSED", .closed), ("EXPIRED", .expired), ("ERROR", .error),
    ])
    func statuses(text: String, status: ImportSessionStatus) async throws {
        let transport = FakeTransport([Fake.json(200, Fake.session(text))])
        let session = try await Fake.client(transport).getSession(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        #expect(session.status == status)
        #expect(transport.requests[0].path == "\(base)/\(Fake.sessionId)")
    }

    @Test("get-session: bad bodies are .decoding errors naming the problem", arguments: [
        ("", "empty body"), ("{", "invalid JSON"), (#"{"status":"CREATED"}"#, "without a string \"id\""),
        (#"{"id":"aps1"}"#, "without a string \"status\""), ("42", "got number"),
    ])
    func badBodies(body: String, expected: String) async throws {
        let transport = FakeTransport([Fake.json(200, body)])
        let error = await #expect(throws: OktaError.self) {
            _ = try await Fake.client(transport).getSession(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        }
        #expect(error?.kind == .decoding)
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
    }

    @Test("cancel accepts 204 and 200")
    func cancel() async throws {
        let transport = FakeTransport([Fake.empty(204), Fake.empty(200)])
        let client = try Fake.client(transport)
        try await client.cancelSession(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        try await client.cancelSession(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        #expect(transport.requests.map(\.method) == ["DELETE", "DELETE"])
        #expect(transport.remaining == 0)
    }

    @Test("cancel 400: the Okta error body is decoded into a one-line description, not retried")
    func cancelRefused() async throws {
        let body = Fake.error("E0000001", "Api validation failed: importSessionId",
                              causes: ["Only a session that is in CREATED or IN_PROGRESS status can be canceled."])
        let transport = FakeTransport([Fake.json(400, body, [("X-Okta-Request-Id", "req-400")])])
        let error = await #expect(throws: OktaError.self) {
            try await Fake.client(transport).cancelSession(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        }
        let e = try #require(error)
        #expect(e.kind == .api && e.httpStatus == 400 && e.errorCode == "E0000001" && e.requestId == "req-400")
        #expect(e.errorSummary == "Api validation failed: importSessionId")
        #expect(e.causes == ["Only a session that is in CREATED or IN_PROGRESS status can be canceled."])
        #expect(e.description == "Okta 400 E0000001: Api validation failed: importSessionId (cause: Only a session that is in CREATED or IN_PROGRESS status can be canceled.) [DELETE \(base)/\(Fake.sessionId), request id req-400]")
        #expect(transport.requests.count == 1)
    }

    @Test("cancel: 503 then 400, and the session reads CLOSED → success (the first DELETE took effect)")
    func cancelAfterAmbiguous() async throws {
        let transport = FakeTransport([
            Fake.empty(503), Fake.json(400, Fake.error("E0000001", "Api validation failed")),
            Fake.json(200, Fake.session("CLOSED")),
        ])
        try await Fake.client(transport).cancelSession(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        #expect(transport.requests.map(\.method) == ["DELETE", "DELETE", "GET"])
    }

    @Test("non-2xx statuses map to .api with status and a default summary", arguments: [401, 403, 404, 409, 302])
    func otherStatuses(status: Int) async throws {
        let transport = FakeTransport([Fake.empty(status)])
        let error = await #expect(throws: OktaError.self) {
            _ = try await Fake.client(transport).listSessions(identitySourceId: Fake.source)
        }
        #expect(error?.kind == .api && error?.httpStatus == status)
        #expect(error?.description.hasPrefix("Okta \(status): ") == true)
        #expect(transport.requests.count == 1)
    }

    @Test("start-import: POST with no body, one object, TRIGGERED")
    func startImport() async throws {
        let transport = FakeTransport([Fake.json(200, Fake.session("TRIGGERED"))])
        let session = try await Fake.client(transport).startImport(identitySourceId: Fake.source, sessionId: Fake.sessionId)
        #expect(session.status == .triggered)
        let request = try #require(transport.requests.first)
        #expect(request.method == "POST" && request.body == nil && request.header("Content-Type") == nil)
        #expect(request.path == "\(base)/\(Fake.sessionId)/start-import")
    }

    @Test("get-user: 200 with nulls and non-strings; 404 → nil; the externalId is one escaped path segment")
    func getUser() async throws {
        let user = #"{"id":"0ua1","externalId":"a/b@c d","created":"2026-05-13T05:52:24.000Z","profile":{"userName":"a@example.com","firstName":null,"n":7}}"#
        let transport = FakeTransport([Fake.json(200, user), Fake.json(404, Fake.error("E0000007", "Not found: Resource not found: x (User)"))])
        let client = try Fake.client(transport)
        let found = try #require(try await client.getUser(identitySourceId: Fake.source, externalId: "a/b@c d"))
        #expect(found.id == "0ua1" && found.externalId == "a/b@c d" && found.created == "2026-05-13T05:52:24.000Z")
        #expect(found.profile["userName"] == .some("a@example.com"))
        #expect(found.profile["firstName"] == .some(nil))
        #expect(found.profile["n"] == .some("7"))
        #expect(found.profile["missing"] == nil)
        #expect(transport.requests[0].url.absoluteString
                == "https://example.okta.com/api/v1/identity-sources/\(Fake.source)/users/a%2Fb%40c%20d")
        #expect(try await client.getUser(identitySourceId: Fake.source, externalId: "nobody") == nil)
    }
}
