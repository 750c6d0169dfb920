import Emulator
import Foundation
import Host
import HTTPServer
import Synchronization
import SyncTestSupport
import Testing
import TestSupport
import XaasCrypto
import XaasJSON

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

    /// The run ended ok (exit 0) and acme's 30 users are active.
    static func expectSynced(_ f: EmulatorSyncFixture, _ status: Int32, _ run: JSONValue?, _ stderr: String,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(status == 0, "\(stderr)", sourceLocation: sourceLocation)
        #expect(run?["status"]?.stringValue == "ok", "\(run?.serialized ?? "")", sourceLocation: sourceLocation)
        #expect(try f.activeUsers("acme").count == 30, sourceLocation: sourceLocation)
    }

    /// `seen` holds the token request and the import calls (bulk upload, start-import) to `origin`.
    static func expectTokenAndImportCalls(_ seen: [String], origin: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(seen.contains("POST \(origin)/oauth2/v1/token"), "\(seen)", sourceLocation: sourceLocation)
        for call in ["/bulk-upsert", "/start-import"] {
            #expect(seen.contains { $0.hasPrefix("POST \(origin)/api/v1/identity-sources/") && $0.hasSuffix(call) }, "\(seen)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test("the proxy from the environment: the token call and every API call are relayed by the proxy")
    func syncThroughEnvironmentProxy() throws {
        let (f, proxy, server, proxyPort, key) = try Self.oauthThroughProxy()
        defer { server.stop() }
        // An http:// org (the loopback emulator) takes libcurl's `http_proxy`; an https:// org takes
        // HTTPS_PROXY (next test). Same transport, same rule, for token and API calls.
        let (status, run, stderr) = try f.sync(environment: Self.proxyEnvironment(["http_proxy": "http://127.0.0.1:\(proxyPort)"]))
        try Self.expectSynced(f, status, run, stderr)
        let seen = proxy.seen.withLock { $0 }
        let origin = "http://127.0.0.1:\(f.port)"
        Self.expectTokenAndImportCalls(seen, origin: origin)
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

    /// Rewrites acme's org.json (written by ``OAuthSyncTests/configure(_:key:jwk:dpop:)``) with `"proxy"`.
    static func setOrgProxy(_ f: EmulatorSyncFixture, port: Int) throws {
        let url = f.configDir.appendingPathComponent("acme/org.json")
        let org = try String(contentsOf: url, encoding: .utf8)
        try f.write("acme/org.json", org.replacingOccurrences(of: "\"sessionCooldownSeconds\": 1,",
                                                             with: "\"sessionCooldownSeconds\": 1, \"proxy\": \"http://127.0.0.1:\(port)\","))
    }

    /// A port nothing listens on: a proxy there fails every request that tries it.
    static func deadPort() throws -> Int {
        let server = HTTPServer(handler: ClosureHandler { _ in .text(500, "") })
        let port = try server.start()
        server.stop()
        return port
    }

    @Test("\"proxy\" in org.json: the worker's token call and API calls go through it, whatever proxy the environment names")
    func syncThroughOrgProxy() throws {
        let (f, proxy, server, proxyPort, key) = try Self.oauthThroughProxy()
        defer { server.stop() }
        try Self.setOrgProxy(f, port: proxyPort)
        let check = try TestSupport.xaas(["config", "check", "--config", f.configDir.path])
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
        // The environment names a dead proxy: org.json's proxy must win for this org.
        let env = Self.proxyEnvironment(["http_proxy": "http://127.0.0.1:\(try Self.deadPort())"])
        let (status, run, stderr) = try f.sync(environment: env)
        try Self.expectSynced(f, status, run, stderr)
        let seen = proxy.seen.withLock { $0 }
        let origin = "http://127.0.0.1:\(f.port)"
        Self.expectTokenAndImportCalls(seen, origin: origin)
        OAuthSyncTests.expectNoSecrets(stderr + (run?.serialized ?? ""), key: key)
    }

    @Test("NO_PROXY naming the org's host exempts it from org.json's proxy: the run connects directly")
    func noProxyExemptsOrgProxy() throws {
        let (f, proxy, server, _, _) = try Self.oauthThroughProxy()
        defer { server.stop() }
        try Self.setOrgProxy(f, port: try Self.deadPort())
        // Without the exemption the org's (dead) proxy is used, so the run fails before any import …
        let refused = try f.sync(environment: Self.proxyEnvironment([:]))
        #expect(refused.status == 1 && refused.run?["status"]?.stringValue == "failed", "\(refused.stderr)")
        #expect(try f.activeUsers("acme").isEmpty)
        // … with it, the same config reaches the org directly.
        let (status, run, stderr) = try f.sync(environment: Self.proxyEnvironment(["NO_PROXY": "localhost,127.0.0.1"]))
        try Self.expectSynced(f, status, run, stderr)
        #expect(proxy.seen.withLock { $0 }.isEmpty)
    }

    @Test("an http (loopback) org never goes through a remote proxy from the environment: its token would cross in clear text")
    func plainHTTPOrgSkipsRemoteProxy() throws {
        let (f, proxy, server, _, key) = try Self.oauthThroughProxy()
        defer { server.stop() }
        // A remote proxy that does not even resolve: used, it would fail the run at once.
        let (status, run, stderr) = try f.sync(environment: Self.proxyEnvironment(["http_proxy": "http://proxy.invalid:3128"]))
        try Self.expectSynced(f, status, run, stderr)
        #expect(proxy.seen.withLock { $0 }.isEmpty)
        OAuthSyncTests.expectNoSecrets(stderr + (run?.serialized ?? ""), key: key)
    }

    @Test("two tenants, two org.json proxies: each worker uses its own org's proxy and no other")
    func perOrgProxies() throws {
        let key = try PrivateKey.generateECP256()
        var acme = EmulatorSyncFixture.org(token: "unused-static-token-\(UUID().uuidString)", identitySources: [EmulatorFixture.sourceId])
        acme.serviceApps = [ServiceApp(clientId: OAuthSyncTests.clientId, keys: [(kid: "k1", key: key.publicKey)],
                                       scopes: ["okta.identitySources.manage"])]
        let beta = EmulatorSyncFixture.org("beta", token: Self.betaToken, identitySources: [Self.betaSource])
        let f = try EmulatorSyncFixture(orgs: [acme, beta], directoryPrefix: "proxy-orgs")
        try OAuthSyncTests.configure(f, key: key, jwk: false, dpop: false)
        let proxyA = ForwardProxy(upstream: f.emulator, upstreamOrigin: "http://127.0.0.1:\(f.port)")
        let serverA = HTTPServer(handler: proxyA.handler)
        try Self.setOrgProxy(f, port: try serverA.start())
        defer { serverA.stop() }
        let proxyB = ForwardProxy(upstream: f.emulator, upstreamOrigin: "http://127.0.0.1:\(f.port)")
        let serverB = HTTPServer(handler: proxyB.handler)
        let portB = try serverB.start()
        defer { serverB.stop() }
        try f.write("beta/org.json", """
            {"url": "http://127.0.0.1:\(f.port)", "token": {"value": "\(Self.betaToken)"}, "sessionCooldownSeconds": 1,
             "proxy": "http://127.0.0.1:\(portB)"}
            """)
        try f.write("beta/hr.json", """
            {"identitySourceId": "\(Self.betaSource)", "connector": "csv",
             "settings": {"path": "users.csv", "externalId": "id"},
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first_name}", "lastName": "${last_name}"}}
            """)
        try f.write("beta/users.csv", "id,first_name,last_name,email\nb-1,Bo,Ng,bo@example.com\n")
        let (status, runs, stderr) = try f.syncAll(environment: Self.proxyEnvironment([:]))
        #expect(status == 0, "\(stderr)")
        #expect(runs.count == 2 && runs.allSatisfy { $0["status"]?.stringValue == "ok" }, "\(runs.map(\.serialized))")
        let seenA = proxyA.seen.withLock { $0 }, seenB = proxyB.seen.withLock { $0 }
        #expect(seenA.contains { $0.hasSuffix("/oauth2/v1/token") }, "\(seenA)")
        #expect(!seenA.isEmpty && seenA.allSatisfy { !$0.contains(Self.betaSource) }, "acme's proxy saw beta's calls: \(seenA)")
        #expect(seenB.contains { $0.contains("/identity-sources/\(Self.betaSource)/") }, "\(seenB)")
        #expect(seenB.allSatisfy { !$0.contains(EmulatorFixture.sourceId) && !$0.hasSuffix("/oauth2/v1/token") },
                "beta's proxy saw acme's calls: \(seenB)")
    }

    @Test("xaas okta whoami takes org.json's proxy for the token call (in-process, set around that org only)")
    func whoamiThroughOrgProxy() throws {
        let (f, proxy, server, proxyPort, key) = try Self.oauthThroughProxy()
        defer { server.stop() }
        try Self.setOrgProxy(f, port: proxyPort)
        let result = try TestSupport.xaas(["okta", "whoami", "--config", f.configDir.path, "--tenant", "acme"],
                                          environment: Self.proxyEnvironment([:]))
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("acme: OAuth service app"), "\(result.stdout)")
        #expect(proxy.seen.withLock { $0 } == ["POST http://127.0.0.1:\(f.port)/oauth2/v1/token"])
        OAuthSyncTests.expectNoSecrets(result.stdout + result.stderr, key: key)
    }

    @Test("config check: a proxy with a path or credentials, and a proxy on an embedded org, are errors")
    func badProxies() throws {
        let f = try EmulatorSyncFixture(orgs: [EmulatorSyncFixture.org(token: "t", identitySources: [EmulatorFixture.sourceId])],
                                        directoryPrefix: "proxy-check")
        for (org, expected) in [
            (#"{"url": "https://acme.okta.com", "token": {"env": "T"}, "proxy": "http://u:p@proxy:3128"}"#, "no path or credentials"),
            (#"{"url": "https://acme.okta.com", "token": {"env": "T"}, "proxy": "proxy:3128/x"}"#, "http://host:port"),
            (#"{"url": "embedded", "proxy": "http://proxy:3128"}"#, "embedded org makes no network calls"),
            (#"{"url": "http://127.0.0.1:9", "token": {"value": "t"}, "proxy": "http://proxy.corp:3128"}"#,
             "its proxy must be on loopback"),
        ] {
            try f.write("acme/org.json", org)
            let check = try TestSupport.xaas(["config", "check", "--config", f.configDir.path])
            #expect(check.status != 0)
            let text = check.stdout + check.stderr
            #expect(text.contains("$.proxy") && text.contains(expected), "\(text)")
        }
    }

    static let betaSource = "0oabeta0000000000001"
    static let betaToken = "beta-static-token-1"
}
