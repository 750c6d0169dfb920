import Foundation
import HTTPServer
@testable import Host
import SyncTestSupport
import Synchronization
import Testing
import TestSupport
import XaasCrypto
import XaasJSON

/// Alerts end to end: `xaas sync` runs against the emulator with `alerts.webhook` in `xaas.json`, and a
/// webhook receiver (the HTTPServer module) checks what arrives and its HMAC-SHA256 signature.
@Suite(.serialized) struct AlertWebhookTests {
    static let secret = "webhook-signing-secret"

    final class Receiver: @unchecked Sendable {
        let received = Locked<[HTTPRequest]>([])
        let server: HTTPServer
        let port: Int
        /// Answers 503 to the first `failures` requests, then 204.
        init(failures: Int = 0) throws {
            let received = self.received
            server = HTTPServer(handler: ClosureHandler { request in
                let count = received.withLock { $0.append(request); return $0.count }
                return HTTPResponse(status: count <= failures ? 503 : 204)
            })
            port = try server.start()
        }
        deinit { server.stop() }
        var requests: [HTTPRequest] { received.withLock { $0 } }
    }

    static func verify(_ r: HTTPRequest) -> Bool {
        guard let timestamp = r.headers["X-Xaas-Timestamp"], let signature = r.headers["X-Xaas-Signature"] else { return false }
        let expected = "sha256=" + SHA256.hexString(SHA256.hmac(key: Array(secret.utf8), Array((timestamp + ".").utf8) + r.body))
        return signature == expected
    }

    @Test func signedAlertsForFailedBlockedAndRecoveredRunsNoneForGoodRuns() throws {
        let receiver = try Receiver()
        let f = try EmulatorFixture()
        try f.write("xaas.json", """
            {"alerts": {"webhook": {"url": "http://127.0.0.1:\(receiver.port)/hook", "secret": {"value": "\(Self.secret)"}}}}
            """)
        try f.writeUsers(WorkshopRow.make(100))
        #expect(try f.sync().status == 0)
        #expect(receiver.requests.isEmpty, "a good run raises no alert")

        try f.writeOrg(token: "not-the-token")   // Okta answers 401: the run fails
        #expect(try f.sync().status == 1)
        try f.writeOrg(token: EmulatorFixture.token)
        try f.writeUsers(WorkshopRow.make(10))
        #expect(try f.sync().status == 3)
        #expect(try f.sync(["--approve-deactivations", "90"]).status == 0)
        #expect(try f.sync().status == 0)

        let requests = receiver.requests
        let events = requests.map { $0.headers["X-Xaas-Event"] ?? "" }
        #expect(events == ["run.failed", "run.blocked", "run.recovered"], "\(events)")
        #expect(requests.allSatisfy { $0.method == "POST" && $0.path == "/hook" && Self.verify($0) }, "every alert is signed")
        let bodies = try requests.map { try JSONValue.parse(bytes: $0.body) }
        #expect(bodies.map { $0["tenant"]?.stringValue } == ["acme", "acme", "acme"])
        #expect(bodies[0]["report"]?["status"]?.stringValue == "failed")
        #expect(bodies[1]["text"]?.stringValue?.contains("blocked by a safeguard") == true)
        #expect(bodies[2]["report"]?["deactivated"]?.intValue == 90)
        // A tampered body does not verify.
        var forged = requests[0]
        forged.body = Array(#"{"event":"run.ok"}"#.utf8)
        #expect(!Self.verify(forged))
    }

    @Test func retriesWithBackoffWithoutBlockingAndRefusesPlainHTTPBeyondLoopback() async throws {
        let receiver = try Receiver(failures: 2)
        let sender = AlertSender(log: { _ in })
        let loaded = try Self.alerts("""
            {"alerts": {"webhook": {"url": "http://127.0.0.1:\(receiver.port)/h", "secret": {"value": "\(Self.secret)"}}}}
            """)
        let config = try #require(loaded)
        var report = RunReport(tenant: "t", source: "s")
        report.status = .failed
        let started = Date()
        sender.send(AlertEvent.events(for: report, previousStatus: nil)[0], to: [config])
        #expect(Date().timeIntervalSince(started) < 0.5, "queued, not sent inline")
        await sender.drain(seconds: 60)
        #expect(receiver.requests.count == 3, "retried after each 503, stopped after the 204")
        #expect(Date().timeIntervalSince(started) >= 3, "with backoff: 1 s, then 2 s")
        #expect(receiver.requests.allSatisfy(Self.verify))

        let root = try TestSupport.makeTemporaryDirectory("alerts-config")
        try #"{"alerts": {"webhook": {"url": "http://hooks.example.com/x", "secret": {"env": "X"}}}}"#
            .write(to: root.appendingPathComponent("xaas.json"), atomically: true, encoding: .utf8)
        let problems = ConfigDirectory.load(root).1.map(\.description)
        #expect(problems.contains { $0.contains("$.alerts.webhook.url") && $0.contains("https") }, "\(problems)")
    }

    @Test func notSucceededForTheConfiguredTimeAlertsOncePerEpisode() async throws {
        let receiver = try Receiver()
        let f = try EmulatorFixture()
        try f.write("xaas.json", """
            {"alerts": {"webhook": {"url": "http://127.0.0.1:\(receiver.port)/hook", "secret": {"value": "\(Self.secret)"}},
                        "notSucceededForMinutes": 1}}
            """)
        try f.writeUsers(WorkshopRow.make(5))
        let (config, problems) = ConfigDirectory.load(f.configDir)
        #expect(problems.isEmpty, "\(problems)")
        let alerts = try #require(RunAlerts(config: config, log: LogWriter()))
        let since = Date().addingTimeInterval(-30)
        alerts.checkNotSucceeded(config: config, state: .sqlite(directory: f.stateDir), since: since)
        await alerts.sender.drain(seconds: 5)
        #expect(receiver.requests.isEmpty, "30 s without a success is within the minute allowed")
        let later = Date().addingTimeInterval(90)
        alerts.checkNotSucceeded(config: config, state: .sqlite(directory: f.stateDir), since: since, now: later)
        alerts.checkNotSucceeded(config: config, state: .sqlite(directory: f.stateDir), since: since, now: later)
        await alerts.sender.drain(seconds: 5)
        #expect(receiver.requests.map { $0.headers["X-Xaas-Event"] } == ["source.notSucceeded"], "once, not per check")
        #expect(receiver.requests.allSatisfy(Self.verify))
        // A success ends the episode: the source is watched afresh.
        #expect(try f.sync().status == 0)
        alerts.finished(RunReport(tenant: "acme", source: "hr"), previousStatus: "ok", config: config)
        alerts.checkNotSucceeded(config: config, state: .sqlite(directory: f.stateDir), since: since, now: Date().addingTimeInterval(30))
        await alerts.sender.drain(seconds: 5)
        #expect(receiver.requests.count == 1, "the last success is recent")
        alerts.checkNotSucceeded(config: config, state: .sqlite(directory: f.stateDir), since: since, now: Date().addingTimeInterval(90))
        await alerts.sender.drain(seconds: 5)
        #expect(receiver.requests.count == 2, "a new episode after the success is reported again")
    }

    static func alerts(_ json: String) throws -> AlertsConfig? {
        let root = try TestSupport.makeTemporaryDirectory("alerts-config")
        try json.write(to: root.appendingPathComponent("xaas.json"), atomically: true, encoding: .utf8)
        return ConfigDirectory.load(root).0.xaas.alerts
    }
}
