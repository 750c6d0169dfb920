import Foundation
import Testing
import Emulator
import HTTPServer
import XaasJSON
@testable import Host

/// The client against the project's Okta emulator over a real socket, with injected 429 storms, 500s,
/// 503s and dropped connections: the import must still land exactly once.
@Suite("OktaClient against the emulator")
struct EmulatorInteropTests {
    static let source = "0oainterop0000000001"

    @Test("faulty org: create, 2 bulk uploads of 250 users, start-import, poll to COMPLETED, users readable",
          arguments: [7, 11, 23, 42, 99] as [UInt64])
    func importThroughFaults(seed: UInt64) async throws {
        var org = EmulatorConfiguration.Org(name: "interop", tokens: [Fake.token], identitySources: [Self.source])
        org.processingDelayMs = 0
        org.cooldownSeconds = 0
        org.faults.error500 = 0.15
        org.faults.error503 = 0.1
        org.faults.storm429 = 0.1
        org.faults.drop = 0.05
        let emulator = try Emulator(configuration: EmulatorConfiguration(orgs: [org], seed: seed))
        defer { emulator.shutdown() }
        let server = HTTPServer(handler: emulator)
        let port = try server.start()
        defer { server.stop() }

        var configuration = Fake.configuration("http://127.0.0.1:\(port)", scheme: .bearer)
        configuration.maxRetries = 12
        let sleeper = SleepRecorder()
        let observer = RecordingObserver()
        let client = try OktaClient(configuration: configuration, observer: observer,
                                    transport: URLSessionTransport(timeoutSeconds: 20), sleep: sleeper.sleep, random: { 0.5 })

        let session = try await client.createSession(identitySourceId: Self.source)
        #expect(session.status == .created)
        var batcher = BulkBatcher(operation: .upsertUsers)
        var bodies: [BulkBody] = []
        for i in 0..<250 {
            let profile = [("userName", "user\(i)@example.com"), ("email", "user\(i)@example.com"),
                           ("firstName", "Zoë \(i)"), ("lastName", "Ĺee \"\(i)\"")]
            if !batcher.append(.user(externalId: "emp-\(i)", profile: Profile(profile))) {
                bodies.append(try unwrap(batcher.finish()))
                let ok = batcher.append(.user(externalId: "emp-\(i)", profile: Profile(profile)))
                #expect(ok)
            }
        }
        bodies.append(try unwrap(batcher.finish()))
        #expect(bodies.map(\.entityCount) == [200, 50])
        for body in bodies {
            try await client.bulk(.upsertUsers, identitySourceId: Self.source, sessionId: session.id, body: body)
        }
        let triggered = try await client.startImport(identitySourceId: Self.source, sessionId: session.id)
        #expect([.triggered, .completed].contains(triggered.status))

        var final = triggered
        for _ in 0..<500 where final.status == .triggered {
            emulator.processDueSessions()
            final = try await client.getSession(identitySourceId: Self.source, sessionId: session.id)
            if final.status == .triggered { try await Task.sleep(nanoseconds: 10_000_000) }
        }
        #expect(final.status == .completed)
        let user = try await client.getUser(identitySourceId: Self.source, externalId: "emp-249")
        #expect(user?.profile["lastName"] == .some("Ĺee \"249\""))
        #expect(try await client.getUser(identitySourceId: Self.source, externalId: "emp-999") == nil)
        #expect(try await client.listSessions(identitySourceId: Self.source).isEmpty)
        #expect(!sleeper.delays.isEmpty, "the faults were exercised")
        // Exactly once: one session despite the faults on create-session, and 250 users.
        let sessions = try JSONValue.parse(bytes: emulator.handle(HTTPRequest(method: "GET", target: "/emulator/v1/orgs/interop/sessions")).body)
        #expect(sessions.arrayValue?.count == 1)
        let users = try JSONValue.parse(bytes: emulator.handle(HTTPRequest(method: "GET", target: "/emulator/v1/orgs/interop/users")).body)
        #expect(users.arrayValue?.count == 250)
        print("emulator interop seed \(seed): \(observer.permits) requests, \(sleeper.delays.count) retries, waits \(sleeper.delays)")
    }
}
