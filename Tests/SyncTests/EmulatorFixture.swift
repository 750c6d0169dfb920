import Emulator
import Foundation
import HTTPServer
import Host
import TestSupport
import XaasJSON

/// A real emulator on a loopback port inside the test process, plus a config directory whose org points
/// at it, so `xaas sync` subprocesses sync into it and tests inspect it through its inspection API.
final class EmulatorFixture: @unchecked Sendable {
    let emulator: Emulator
    let server: HTTPServer
    let port: Int
    let root: URL
    var configDir: URL { root.appendingPathComponent("connectors.d") }
    var stateDir: URL { root.appendingPathComponent("state") }
    var csv: URL { configDir.appendingPathComponent("acme/users.csv") }
    static let token = "e2e-token"
    static let sourceId = "0oae2e00000000000001"

    init(manualClock: Bool = false, cooldownSeconds: Double = 1) throws {
        var org = EmulatorConfiguration.Org(name: "acme", tokens: [Self.token], identitySources: [Self.sourceId])
        org.cooldownSeconds = cooldownSeconds
        org.processingDelayMs = 20
        emulator = try Emulator(configuration: EmulatorConfiguration(orgs: [org], manualClock: manualClock))
        server = HTTPServer(handler: emulator)
        port = try server.start()
        root = try TestSupport.makeTemporaryDirectory("e2e")
        try FileManager.default.createDirectory(at: configDir.appendingPathComponent("acme"), withIntermediateDirectories: true)
        try write("acme/org.json", """
            {"url": "http://127.0.0.1:\(port)", "token": {"value": "\(Self.token)"}, "sessionCooldownSeconds": \(cooldownSeconds)}
            """)
        try write("acme/hr.json", """
            {"identitySourceId": "\(Self.sourceId)", "connector": "csv",
             "settings": {"path": "users.csv", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]}},
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first_name}", "lastName": "${last_name}",
                         "displayName": "${first_name} ${last_name}", "title": "${title}"},
             "safeguards": {"maxDeactivationPercent": 20}}
            """)
    }

    deinit {
        server.stop()
        emulator.shutdown()
    }

    func write(_ relative: String, _ text: String) throws {
        try text.write(to: configDir.appendingPathComponent(relative), atomically: true, encoding: .utf8)
    }

    /// Writes the workshop CSV: `rows` of (id, active, title, first, last, email).
    func writeUsers(_ rows: [WorkshopRow]) throws {
        var text = "id,active,title,first_name,last_name,email\n"
        for r in rows { text += "\(r.id),\(r.active),\(r.title),\(r.first),\(r.last),\(r.email)\n" }
        try text.write(to: csv, atomically: true, encoding: .utf8)
    }

    /// Runs `xaas sync --json` on the fixture; returns the exit status and the single run's report.
    func sync(_ extra: [String] = [], environment: [String: String] = [:]) throws -> (status: Int32, run: JSONValue?, stderr: String) {
        let result = try TestSupport.xaas(
            ["sync", "--config", configDir.path, "--state", stateDir.path, "--json"] + extra, environment: environment)
        let run = (try? JSONValue.parse(result.stdout))?["runs"]?.arrayValue?.first
        return (result.status, run, result.stderr)
    }

    /// `GET` on the inspection API.
    func inspect(_ path: String) throws -> JSONValue {
        let response = emulator.handle(HTTPRequest(method: "GET", target: "/emulator/v1/orgs/acme/\(path)"))
        return try JSONValue.parse(bytes: response.body)
    }

    /// externalId → (status, profile) of every user in the emulated directory.
    func users() throws -> [String: (status: String, profile: [String: String])] {
        var out: [String: (String, [String: String])] = [:]
        for u in try inspect("users").arrayValue ?? [] {
            var profile: [String: String] = [:]
            for m in u["profile"]?.objectValue ?? [] { if let v = m.value.stringValue { profile[m.key] = v } }
            out[u["externalId"]?.stringValue ?? ""] = (u["status"]?.stringValue ?? "", profile)
        }
        return out
    }

    func stat(_ name: String) throws -> Int { try inspect("stats")[name]?.intValue ?? -1 }

    func advanceClock(_ seconds: Double) {
        _ = emulator.handle(HTTPRequest(method: "POST", target: "/emulator/v1/clock/advance",
                                        body: Array("{\"seconds\":\(seconds)}".utf8)))
    }
}

struct WorkshopRow {
    var id: String, active: String, title: String, first: String, last: String, email: String

    static func make(_ count: Int) -> [WorkshopRow] {
        (1...count).map { i in
            WorkshopRow(id: "emp-\(10000 + i)", active: "true", title: "Engineer \(i % 5)", first: "Ann\(i)",
                        last: i % 9 == 0 ? "Müller-Łukasz" : "Lee\(i)", email: "user\(i)@example.com")
        }
    }
}

extension JSONValue {
    func int(_ key: String) -> Int { self[key]?.intValue ?? -1 }
}
