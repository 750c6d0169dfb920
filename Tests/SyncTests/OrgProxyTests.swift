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
    /// A forward proxy: requests for the upstream origin (`GET http://127.0.0.1:P/path`) are recorded as
    /// `METHOD http://host:port/path` and relayed to the emulator in-process; anything else (a `CONNECT`, a
    /// request for another host) is recorded and refused. HTTPServer reduces an absolute-form target to its
    /// origin form (RFC 9112 §3.2.2), so the origin is read from `Host`: a request that reaches the proxy's
    /// port naming the emulator's origin is one the client sent to the proxy.
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
                let line = request.method == "CONNECT" ? "CONNECT \(request.target)"
                    : "\(request.method) http://\(request.headers["Host"] ?? "")\(request.target)"
                seen.withLock { $0.append(line) }
                guard request.method != "CONNECT", line.hasPrefix("\(request.method) \(upstreamOrigin)/") else {
                    return .text(403, "this proxy relays only requests to \(upstreamOrigin)\n")
                }
                var relayed = request
                relayed.headers.remove("Proxy-Connection")
                return upstream.handle(relayed)
            }
        }
    }

    /// The proxy variables of the `xaas` child: only `extra`, whatever the test process has.
    static func proxyEnvironment(_ extra: [String: String]) -> [String: String] {
        var env = ["http_proxy": "", "https_proxy": "", "HTTPS_PROXY": "", "all_proxy": "", "ALL_PROXY": "",
                   "no_proxy": "", "NO_PROXY": ""]
        env.merge(extra) { $1 }
        return env
    }

    /// An OAuth org on the emulator whose requests the returned proxy relays.
    static func oauthThroughProxy() throws -> (EmulatorSyncFixture, ForwardProxy, HTTPServer, Int, PrivateKey) {
        let key = try PrivateKey.generateECP256()
        let f = try OAuthSyncTests.fixture(registered: key.publicKey)
        try OAuthSyncTests.configure(f, key: key, jwk: false, dpop: false)
        let proxy = ForwardProxy(upstream: f.emulator, upstreamOrigin: "http://127.0.0.1:\(f.port)")
        let server = HTTPServer(handler: proxy.handler)
        return (f, proxy, server, try server.start(), key)
    }

    @Test("the proxy from the environment: the token call and every API call are relayed by the proxy")
    func syncThroughEnvironmentProxy() throws {
        let (f, proxy, server, proxyPort, key) = try Self.oauthThroughProxy()
        defer { server.stop() }
        // An http:// org (the loopback emulator) takes libcurl's `http_proxy`; an https:// org takes
        // HTTPS_PROXY (next test). Same transport, same rule, for token and API calls.
        let (status, run, stderr) = try f.sync(environment: Self.proxyEnvironment(["http_proxy": "http://127.0.0.1:\(proxyPort)"]))
        #expect(status == 0, "\(stderr)")
        #expect(run?["status"]?.stringValue == "ok", "\(run?.serialized ?? "")")
        #expect(try f.activeUsers("acme").count == 30)
        let seen = proxy.seen.withLock { $0 }
        let origin = "http://127.0.0.1:\(f.port)"
        #expect(seen.contains("POST \(origin)/oauth2/v1/token"), "\(seen)")
        #expect(seen.contains { $0.hasPrefix("POST \(origin)/api/v1/identity-sources/") && $0.hasSuffix("/bulk-upsert") }, "\(seen)")
        #expect(seen.contains { $0.hasPrefix("POST \(origin)/api/v1/identity-sources/") && $0.hasSuffix("/start-import") }, "\(seen)")
        #expect(seen.allSatisfy { $0.contains(" \(origin)/") }, "every request was absolute-form to the org: \(seen)")
        OAuthSyncTests.expectNoSecrets(stderr + (run?.serialized ?? ""), key: key)
    }

    @Test("an https org with HTTPS_PROXY is tunnelled with CONNECT host:443 (this proxy refuses, so the run fails)")
    func httpsUsesConnect() throws {
        let (f, proxy, server, proxyPort, _) = try Self.oauthThroughProxy()
        defer { server.stop() }
        try f.write("acme/org.json", """
            {"url": "https://acme.okta.invalid", "token": {"env": "ACME_TOKEN"}, "sessionCooldownSeconds": 1}
            """)
        let env = Self.proxyEnvironment(["HTTPS_PROXY": "http://127.0.0.1:\(proxyPort)", "ACME_TOKEN": "proxy-test-token-1"])
        let (status, _, _) = try f.sync(environment: env)
        #expect(status != 0)
        let seen = proxy.seen.withLock { $0 }
        #expect(!seen.isEmpty && seen.allSatisfy { $0 == "CONNECT acme.okta.invalid:443" }, "\(seen)")
    }

    #if os(Linux)
    @Test("\"proxy\" in org.json is refused on Linux with the way that works (FoundationNetworking ignores it)")
    func orgProxyIsAConfigErrorOnLinux() throws {
        let (f, _, server, proxyPort, _) = try Self.oauthThroughProxy()
        defer { server.stop() }
        try f.write("acme/org.json", """
            {"url": "http://127.0.0.1:\(f.port)", "token": {"value": "t"}, "proxy": "http://127.0.0.1:\(proxyPort)"}
            """)
        let check = try TestSupport.xaas(["config", "check", "--config", f.configDir.path])
        #expect(check.status != 0)
        let text = check.stdout + check.stderr
        #expect(text.contains("$.proxy") && text.contains("HTTPS_PROXY") && text.contains("Linux"), "\(text)")
    }
    #endif
}
