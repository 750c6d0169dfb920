import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import HTTPServer
import TestSupport
@testable import Emulator

/// The emulator over real sockets: in-process ``EmulatorServer``, the `xaas emulator` command, and Okta's
/// official Python SDK as an independent client.
@Suite("Emulator over HTTP")
struct HTTPInteropTests {
    func call(_ method: String, _ url: String, token: String = "demo-token", body: Any? = nil) async throws
        -> (Int, HTTPURLResponse, Any?) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.setValue("SSWS \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        let json = data.isEmpty ? nil : try? JSONSerialization.jsonObject(with: data)
        return (http.statusCode, http, json)
    }

    @Test func inProcessServerRoundTrip() async throws {
        let config = try EmulatorConfiguration.parse(json: """
            {"orgs":[{"name":"demo","tokens":["demo-token"],"identitySources":["0oademo000000000001"],"processingDelayMs":5}]}
            """)
        let server = try EmulatorServer.start(emulator: try Emulator(configuration: config))
        defer { server.stop() }
        #expect(server.baseURL == "http://127.0.0.1:\(server.port)")
        let base = server.baseURL + "/api/v1/identity-sources/0oademo000000000001"
        let (created, headers, session) = try await call("POST", base + "/sessions")
        #expect(created == 201)
        #expect(headers.value(forHTTPHeaderField: "X-Rate-Limit-Limit") != nil)
        #expect(headers.value(forHTTPHeaderField: "X-Okta-Request-Id") != nil)
        let id = try #require((session as? [String: Any])?["id"] as? String)
        let (upload, _, none) = try await call("POST", base + "/sessions/\(id)/bulk-upsert", body: [
            "entityType": "USERS", "profiles": [["externalId": "h1", "profile": ["email": "h1@x.io", "userName": "h1@x.io"]]],
        ])
        #expect(upload == 202)
        #expect(none == nil)
        #expect(try await call("POST", base + "/sessions/\(id)/start-import").0 == 200)
        var status = ""
        for _ in 0..<300 {
            status = (try await call("GET", base + "/sessions/\(id)").2 as? [String: Any])?["status"] as? String ?? ""
            if status == "COMPLETED" { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(status == "COMPLETED")
        let users = try await call("GET", server.baseURL + "/emulator/v1/orgs/demo/users").2 as? [[String: Any]]
        #expect(users?.map { $0["externalId"] as? String } == ["h1"])
        #expect(try await call("GET", base + "/sessions", token: "wrong").0 == 401)
    }

    /// The `drop` fault really closes the socket: the client gets no response at all (no 503), at once.
    @Test func droppedConnectionsCloseTheSocketWithoutAnswering() async throws {
        let config = try EmulatorConfiguration.parse(json: """
            {"seed": 1, "orgs":[{"name":"demo","tokens":["demo-token"],"identitySources":["0oa1"],"faults":{"drop":1}}]}
            """)
        let server = try EmulatorServer.start(emulator: try Emulator(configuration: config))
        defer { server.stop() }
        var request = URLRequest(url: URL(string: server.baseURL + "/api/v1/identity-sources/0oa1/sessions")!)
        request.setValue("SSWS demo-token", forHTTPHeaderField: "Authorization")
        request.setValue("close", forHTTPHeaderField: "Connection")
        request.timeoutInterval = 60
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            Issue.record("expected no response, got \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        } catch let error as URLError {
            #expect(error.code != .timedOut, "\(error)")
        }
        let stats = server.emulator.handle(HTTPRequest(method: "GET", target: "/emulator/v1/orgs/demo/stats"))
        let json = try JSONSerialization.jsonObject(with: Data(stats.body)) as? [String: Any]
        #expect((json?["faultsInjected"] as? Int ?? 0) >= 1)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: TestSupport.xaasExecutable.path),
                   "the xaas executable is not built"))
    func commandPrintsItsURLFirstAndStopsCleanlyOnSIGTERM() async throws {
        let emulator = try EmulatorProcess()
        #expect(emulator.firstLine.hasPrefix("listening on http://127.0.0.1:"))
        let port = Int(emulator.baseURL.split(separator: ":").last ?? "") ?? 0
        #expect(port > 0)
        let (status, _, _) = try await call("POST", emulator.baseURL + "/api/v1/identity-sources/0oademo000000000001/sessions")
        #expect(status == 201)
        let (code, rest) = emulator.stop()
        #expect(code == 0)
        #expect((emulator.banner + rest).contains("demo-token"))
        #expect(rest.hasSuffix("emulator stopped\n"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: TestSupport.xaasExecutable.path),
                   "the xaas executable is not built"))
    func commandRejectsBadOptionsAndConfig() throws {
        let bad = try TestSupport.xaas(["emulator", "--port", "nope"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--port"))
        let dir = try TestSupport.makeTemporaryDirectory("xaas-emulator-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("emulator.json")
        try Data(#"{"orgs":[{"name":"a","rateLimit":{"perMinute":0}}]}"#.utf8).write(to: config)
        let invalid = try TestSupport.xaas(["emulator", "--config", config.path, "--port", "0"])
        #expect(invalid.status == 1)
        #expect(invalid.stderr.contains("orgs[0].rateLimit.perMinute"))
        #expect(invalid.stderr.contains(config.path))
    }

    @Test(.enabled(if: TestSupport.python(with: ["okta"]) != nil, "python module okta (PyPI okta) not installed"))
    func oktaPythonSDKDrivesAWholeImport() throws {
        let emulator = try EmulatorProcess()
        defer { _ = emulator.stop() }
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/EmulatorTests/interop/okta_sdk_interop.py")
        let result = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"),
                                         ["python3", script.path, emulator.baseURL, "demo-token", "0oademo000000000001"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("session finished: COMPLETED"))
        #expect(result.stdout.hasSuffix("OK\n"))
    }
}
