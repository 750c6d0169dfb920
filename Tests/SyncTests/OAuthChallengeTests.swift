import Emulator
import Foundation
import Host
import Synchronization
import SyncTestSupport
import Testing
import TestSupport
import XaasCrypto
import XaasJSON

/// What a real Okta org can throw at a service app besides a wrong key: a resource server that demands a
/// DPoP nonce (and changes it), and a host whose clock is off. Both through `xaas sync` where it matters.
@Suite("OAuth challenges: the resource server's DPoP nonce, a skewed host clock")
struct OAuthChallengeTests {
    @Test("xaas sync with DPoP against a resource server that demands a nonce: one challenge, answered, run ok")
    func syncAnswersResourceNonce() throws {
        let key = try PrivateKey.generateECP256()
        let f = try OAuthSyncTests.fixture(registered: key.publicKey, requireDPoP: true, resourceNonce: true)
        try OAuthSyncTests.configure(f, key: key, jwk: false, dpop: true)
        let (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?["status"]?.stringValue == "ok", "\(run?.serialized ?? "")")
        #expect(try f.activeUsers("acme").count == 30)
        let challenges = try f.stat("dpopNonceChallenges")
        #expect(challenges >= 1, "the resource server never challenged: the test proves nothing")
        #expect(challenges <= 2, "the client keeps the nonce, it is not challenged on every call: \(challenges)")
        OAuthSyncTests.expectNoSecrets(OAuthSyncTests.everything(f, outputs: [stderr, run?.serialized ?? ""]), key: key)
    }

    @Test("a multi-session run while the resource nonce changes every 100 s (manual clock): each challenge is answered with its nonce")
    func nonceRotatesMidRun() async throws {
        let key = try PrivateKey.generateECP256()
        let f = try OAuthSyncTests.fixture(registered: key.publicKey, requireDPoP: true, manualClock: true,
                                           resourceNonce: true, nonceSeconds: 100)
        let recorder = NonceRecordingTransport(URLSessionTransport())
        let client = try OAuthSyncTests.dpopClient(f, key: key, transport: recorder)
        let report = await ManualClockRun.run(f, client: client, users: 10_400, source: "big")
        #expect(report.status == .ok, "\(report.error ?? "")")
        #expect(report.sessions == 2)
        let log = recorder.log
        #expect(Set(log.challenges).count >= 2, "the first challenge and at least one after the nonce changed: \(log.challenges.count)")
        #expect(log.challenges.count == (try f.stat("dpopNonceChallenges")))
        for nonce in Set(log.challenges) {
            #expect(log.sent.contains(nonce), "a challenge's nonce was never sent back")
        }
        #expect(log.sent.count > 10 * log.challenges.count, "the nonce is kept between calls, not re-learnt on each")
    }

    @Test("xaas sync when this host's clock is an hour off Okta's (both ways): a clear clock error, exit 1, nothing deactivated",
          arguments: [3600.0, -3600.0])
    func clockSkew(skew: Double) throws {
        let key = try PrivateKey.generateRSA()
        let f = try OAuthSyncTests.fixture(registered: key.publicKey, clockSkew: skew)
        try OAuthSyncTests.configure(f, key: key, jwk: false, dpop: false)
        // First a run with the org's API token (its clock does not matter), so Okta and state hold 30 users.
        let orgURL = f.configDir.appendingPathComponent("acme/org.json")
        let oauthOrg = try String(contentsOf: orgURL, encoding: .utf8)
        try f.writeOrg(token: OAuthSyncTests.staticToken)
        let first = try f.sync()
        #expect(first.status == 0 && first.run?["status"]?.stringValue == "ok", "\(first.stderr)")
        #expect(try f.activeUsers("acme").count == 30)
        // Then the service app, with 10 users gone from the source: the token request fails on the clock.
        try f.write("acme/org.json", oauthOrg)
        var csv = "id,active,first_name,last_name,email\n"
        for i in 1...20 { csv += "emp-\(i),true,Ann\(i),Lee,user\(i)@example.com\n" }
        try f.write("acme/users.csv", csv)
        let (status, run, stderr) = try f.sync()
        #expect(status == 1, "the exit code of every failed run: \(stderr)")
        #expect(run?["status"]?.stringValue == "failed")
        let text = (run?.serialized ?? "") + stderr
        #expect(text.contains("invalid_client"), "names the OAuth error: \(text)")
        #expect(text.contains(skew > 0 ? "is expired" : "issued in the future"), "Okta's reason: \(text)")
        #expect(text.contains("check this host's clock") && text.contains("NTP"), "says what to check: \(text)")
        #expect(text.contains("3600 s \(skew > 0 ? "ahead of" : "behind") this host's"), "says by how much: \(text)")
        #expect(try f.activeUsers("acme").count == 30, "nothing was deactivated")
        OAuthSyncTests.expectNoSecrets(OAuthSyncTests.everything(f, outputs: [stderr, run?.serialized ?? ""]), key: key)
    }
}

/// Wraps a transport and records the resource server's `use_dpop_nonce` challenges (the nonce each one
/// brought) and the nonce in every resource call's DPoP proof.
final class NonceRecordingTransport: HTTPTransport, Sendable {
    struct Log: Sendable {
        var challenges: [String] = []
        var sent: [String] = []
    }

    let inner: any HTTPTransport
    private let state = Mutex(Log())
    init(_ inner: any HTTPTransport) { self.inner = inner }
    var log: Log { state.withLock { $0 } }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let isResource = request.url.path.hasPrefix("/api/")
        if isResource, let proof = request.header("DPoP"), let parts = CompactJWS.parse(proof),
           let nonce = (try? JSONValue.parse(bytes: parts.payload))?["nonce"]?.stringValue {
            state.withLock { $0.sent.append(nonce) }
        }
        let response = try await inner.send(request)
        if isResource, response.status == 401, response.header("WWW-Authenticate")?.contains("use_dpop_nonce") == true,
           let fresh = response.header("DPoP-Nonce") {
            state.withLock { $0.challenges.append(fresh) }
        }
        return response
    }
}
