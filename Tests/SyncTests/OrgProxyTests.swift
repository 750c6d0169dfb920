import Emulator
import Foundation
import Host
import HTTPServer
import Synchronization
import SyncTestSupport
import Testing
import TestSupport
import XaasCrypto

/// org.json's `"proxy"` over a real socket (FoundationNetworking's libcurl on Linux): a forward proxy on
/// loopback records every request it relays, so the test proves that the OAuth token call and the API calls
/// both went through it.
@Suite("org.json proxy: token and API calls go through a real forward proxy")
struct OrgProxyTests {
    /// A forward proxy: absolute-form requests (`GET http://127.0.0.1:P/path`) are recorded and relayed to
    /// the emulator; a direct (origin-form) request or a `CONNECT` is recorded and refused.
    final class ForwardProxy: Sendable {
        let seen = Mutex<[String]>([])
        let upstream: any HTTPHandler
        let upstreamOrigin: String

        init(upstream: any HTTPHandler, upstreamOrigin: String) {
            self.upstream = upstream
            self.upstreamOrigin = upstreamOrigin
        }

        var handler: ClosureHandler {
            ClosureHandler { [self] request in
                seen.withLock { $0.append("\(request.method) \(request.target)") }
                guard request.method != "CONNECT", request.target.hasPrefix(upstreamOrigin + "/") else {
                    return .text(403, "this proxy relays only absolute-form requests to \(upstreamOrigin)\n")
                }
                var relayed = request
                relayed.target = String(request.target.dropFirst(upstreamOrigin.count))
                relayed.headers.remove("Proxy-Connection")
                return upstream.handle(relayed)
            }
        }
    }

    @Test("xaas sync with auth.oauth and \"proxy\": the token call and every API call are relayed by the proxy")
    func syncThroughProxy() throws {
        let key = try PrivateKey.generateECP256()
        let f = try OAuthSyncTests.fixture(registered: key.publicKey)
        try OAuthSyncTests.configure(f, key: key, jwk: false, dpop: false)
        let proxy = ForwardProxy(upstream: f.emulator, upstreamOrigin: "http://127.0.0.1:\(f.port)")
        let server = HTTPServer(handler: proxy.handler)
        let proxyPort = try server.start()
        defer { server.stop() }
        try f.write("acme/org.json", """
            {"url": "http://127.0.0.1:\(f.port)", "sessionCooldownSeconds": 1, "proxy": "http://127.0.0.1:\(proxyPort)",
             "auth": {"oauth": {"clientId": "\(OAuthSyncTests.clientId)", "privateKey": {"file": "secrets/key"}, "keyId": "k1",
                                "scopes": ["okta.identitySources.manage"]}}}
            """)
        let (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?["status"]?.stringValue == "ok", "\(run?.serialized ?? "")")
        #expect(try f.activeUsers("acme").count == 30)
        let seen = proxy.seen.withLock { $0 }
        let origin = "http://127.0.0.1:\(f.port)"
        #expect(seen.contains("POST \(origin)/oauth2/v1/token"), "\(seen)")
        #expect(seen.contains { $0.hasPrefix("POST \(origin)/api/v1/identity-sources/") && $0.hasSuffix("/bulk-upsert") }, "\(seen)")
        #expect(seen.contains { $0.hasPrefix("POST \(origin)/api/v1/identity-sources/") && $0.hasSuffix("/start-import") }, "\(seen)")
        #expect(seen.allSatisfy { $0.contains(" \(origin)/") }, "every request was absolute-form to the org: \(seen)")
    }

    @Test("an https org through the proxy is tunnelled with CONNECT host:443 (the proxy refuses; the call fails)")
    func httpsUsesConnect() async throws {
        let proxy = ForwardProxy(upstream: ClosureHandler { _ in .text(500, "unused\n") }, upstreamOrigin: "http://unused")
        let server = HTTPServer(handler: proxy.handler)
        let proxyPort = try server.start()
        defer { server.stop() }
        let transport = URLSessionTransport(timeoutSeconds: 10, proxy: URL(string: "http://127.0.0.1:\(proxyPort)"))
        let request = TransportRequest(method: "GET", url: URL(string: "https://acme.okta.invalid/api/v1/identity-sources")!)
        await #expect(throws: (any Error).self) { _ = try await transport.send(request) }
        let seen = proxy.seen.withLock { $0 }
        #expect(seen == ["CONNECT acme.okta.invalid:443"], "\(seen)")
    }
}
