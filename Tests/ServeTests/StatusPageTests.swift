import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON
@testable import Host

/// The status page of `xaas serve` on the shipped example (`connectors.d/`, embedded orgs): it lists the
/// sources after a sync, shows a blocked run's diff, and an approval given through it (token + CSRF) lets
/// the next run through; a request without the token is refused. The browser test drives the page with
/// Debian's headless `chromium` and keeps a screenshot.
@Suite(.serialized) struct StatusPageTests {
    static let token = "status-page-test-token"

    /// The example copied to a temporary directory, without schedules (so `xaas serve` only serves the page
    /// and the test's `xaas sync` runs own the embedded orgs), plus `xaas.json` with the serve token.
    struct Example {
        let root: URL
        var config: URL { root.appendingPathComponent("connectors.d") }
        var state: URL { root.appendingPathComponent("state") }

        init() throws {
            root = try TestSupport.makeTemporaryDirectory("status-page")
            let fm = FileManager.default
            try fm.copyItem(at: TestSupport.packageRoot.appendingPathComponent("connectors.d"), to: config)
            for tenant in try fm.contentsOfDirectory(atPath: config.path) {
                let dir = config.appendingPathComponent(tenant)
                for file in try fm.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".json") && file != "org.json" {
                    let url = dir.appendingPathComponent(file)
                    let text = try String(contentsOf: url, encoding: .utf8)
                    let stripped = text.replacingOccurrences(of: #"\n\s*"schedule": \{[^}]*\},"#, with: "", options: .regularExpression)
                    try stripped.write(to: url, atomically: true, encoding: .utf8)
                }
            }
            let secret = config.appendingPathComponent("secrets-serve-token")
            try StatusPageTests.token.write(to: secret, atomically: true, encoding: .utf8)
            try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret.path)
            try #"{"serve": {"token": {"file": "secrets-serve-token"}}}"#.write(
                to: config.appendingPathComponent("xaas.json"), atomically: true, encoding: .utf8)
        }

        func sync(_ extra: [String] = []) throws -> TestSupport.ProcessResult {
            try TestSupport.xaas(["sync", "--config", config.path, "--state", state.path] + extra)
        }

        /// Keeps the header and the first `keep` users of the hr CSV (the rest become absent: deactivations).
        func truncateUsers(keep: Int) throws {
            let csv = config.appendingPathComponent("acme/data/users.csv")
            let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            try (lines.prefix(keep + 1).joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        }

        func serve() throws -> (ServeProcess, Int) {
            let serve = try ServeProcess(["--config", config.path, "--state", state.path, "--listen", "127.0.0.1:0"])
            let port = try #require(serve.metricsPort(), "serve started: \(serve.log)")
            return (serve, port)
        }
    }

    /// `POST` a form → (status, body).
    static func post(port: Int, _ path: String, form: [(String, String)], bearer: String? = nil) -> (Int, String)? {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        let allowed = CharacterSet.alphanumerics
        request.httpBody = Data(form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&").utf8)
        let result = Locked<(Int, String)?>(nil)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, _ in
            if let http = response as? HTTPURLResponse {
                result.withLock { $0 = (http.statusCode, String(decoding: data ?? Data(), as: UTF8.self)) }
            }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 10)
        return result.withLock { $0 }
    }

    /// The value of `<input … name="NAME" value="…">` in a page.
    static func field(_ html: String, _ name: String) -> String? {
        guard let r = html.range(of: #"name="\#(name)" value="[^"]*""#, options: .regularExpression) else { return nil }
        return String(html[r].split(separator: "\"")[3])
    }

    /// Blocks the example's hr source: first a good sync, then a CSV with most users gone.
    static func blockedExample() throws -> Example {
        let example = try Example()
        let first = try example.sync()
        #expect(first.status == 0, "\(first.stderr)")
        try example.truncateUsers(keep: 20)
        let blocked = try example.sync(["--source", "hr"])
        #expect(blocked.status == 3, "\(blocked.stderr)")
        return example
    }

    @Test func approvingOverHTTPNeedsTokenAndCSRFAndLetsTheNextRunThrough() throws {
        let example = try Self.blockedExample()
        let (serve, port) = try example.serve()
        defer { serve.signal(SIGTERM); _ = serve.exitStatus(within: 20) }
        let (status, page) = try #require(ServeProcess.get(port: port, "/sources/acme/hr"))
        #expect(status == 200)
        #expect(page.contains("- deactivate ") && page.contains("absent from a complete read"), "the blocked plan's diff")
        let csrf = try #require(Self.field(page, "csrf"))
        let count = try #require(Self.field(page, "count").flatMap(Int.init))
        #expect(count > 20)
        #expect(page.contains("Approve \(count) deactivations"))
        let json = try JSONValue.parse(try #require(ServeProcess.get(port: port, "/api/v1/status")).1)
        let hr = try #require(json["sources"]?.arrayValue?.first { $0["source"]?.stringValue == "hr" })
        #expect(hr["state"]?.stringValue == "blocked" && hr["blockedDeactivations"]?.intValue == count)

        let path = "/sources/acme/hr/approve"
        #expect(Self.post(port: port, path, form: [("csrf", csrf), ("count", "\(count)")])?.0 == 401, "no token")
        #expect(Self.post(port: port, path, form: [("csrf", csrf), ("count", "\(count)"), ("token", "wrong")])?.0 == 401)
        #expect(Self.post(port: port, path, form: [("csrf", "forged"), ("count", "\(count)")], bearer: Self.token)?.0 == 403)
        #expect(Self.post(port: port, path, form: [("csrf", csrf), ("count", "\(count - 1)")], bearer: Self.token)?.0 == 409,
                "an approval must match the reviewed plan")
        let ok = Self.post(port: port, path, form: [("csrf", csrf), ("count", "\(count)")], bearer: Self.token)
        #expect(ok?.0 == 200, "\(ok?.1 ?? "")")

        let next = try example.sync(["--source", "hr", "--json"])
        #expect(next.status == 0, "\(next.stderr)")
        let run = try JSONValue.parse(next.stdout)["runs"]?.arrayValue?.first
        #expect(run?["deactivated"]?.intValue == count)
        #expect(next.stderr.contains("using the approval of \(count) deactivation(s) given on the status page"))
        // Used up: the approval does not carry over to later runs.
        let after = try #require(ServeProcess.get(port: port, "/api/v1/status")).1
        #expect(after.contains("\"pendingApproval\":null"))
    }

    @Test func escapesEverythingAndRefusesBeyondLoopbackWithoutToken() throws {
        #expect(StatusPage.escape("<script>\"x\"&'y'</script>") == "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;")
        let example = try Example()
        let serve = try ServeProcess(["--config", example.config.path, "--state", example.state.path, "--listen", "0.0.0.0:0"])
        defer { serve.signal(SIGTERM); _ = serve.exitStatus(within: 20) }
        var port: Int?
        _ = ServeProcess.eventually(30) {
            guard let r = serve.log.range(of: #"serving metrics on http://0\.0\.0\.0:[0-9]+"#, options: .regularExpression) else { return false }
            port = Int(serve.log[r].split(separator: ":").last ?? "")
            return true
        }
        let p = try #require(port, "\(serve.log)")
        #expect(ServeProcess.get(port: p, "/")?.0 == 401, "read-only views need the token beyond loopback")
        #expect(ServeProcess.get(port: p, "/healthz")?.0 == 200)
    }

    @Test(.enabled(if: StatusPageTests.chromium != nil, "chromium is not installed (.ci/run installs it); the status page browser test did not run"))
    func headlessChromiumDrivesTheStatusPage() throws {
        let chromium = try #require(Self.chromium)
        let example = try Self.blockedExample()
        let (serve, port) = try example.serve()
        defer { serve.signal(SIGTERM); _ = serve.exitStatus(within: 20) }
        let base = "http://127.0.0.1:\(port)"
        func dom(_ path: String) throws -> String {
            try TestSupport.run(chromium, Self.chromiumFlags + ["--dump-dom", base + path]).stdout
        }
        let overview = try dom("/")
        #expect(overview.contains(">hr</a>") && overview.contains(">staff</a>"), "the example's sources are listed")
        #expect(overview.contains(#"class="blocked">blocked"#))
        let page = try dom("/sources/acme/hr")
        #expect(page.contains("- deactivate "), "the blocked run's diff")
        let csrf = try #require(Self.field(page, "csrf"))
        let count = try #require(Self.field(page, "count"))
        // The README's screenshot (docs/status-page.png) is refreshed with XAAS_UPDATE_DOCS=1.
        let update = ProcessInfo.processInfo.environment["XAAS_UPDATE_DOCS"] == "1"
        let shot = update ? TestSupport.packageRoot.appendingPathComponent("docs/status-page.png")
            : example.root.appendingPathComponent("status-page.png")
        _ = try TestSupport.run(chromium, Self.chromiumFlags + ["--window-size=1200,900", "--screenshot=\(shot.path)", base + "/sources/acme/hr"])
        #expect(FileManager.default.fileExists(atPath: shot.path))
        #expect(Self.post(port: port, "/sources/acme/hr/approve", form: [("csrf", csrf), ("count", count)])?.0 == 401,
                "without the token the approval is refused")
        #expect(Self.post(port: port, "/sources/acme/hr/approve", form: [("csrf", csrf), ("count", count), ("token", Self.token)])?.0 == 200)
        #expect(try dom("/sources/acme/hr").contains("Approved: the next run may deactivate up to \(count) users"))
        #expect(try example.sync(["--source", "hr"]).status == 0, "the approved run goes through")
        #expect(try dom("/").contains(#"class="ok">ok"#))
    }

    static let chromiumFlags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"]

    static let chromium: URL? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .map { URL(fileURLWithPath: $0) }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}
