import Emulator
import Foundation
import HTTPServer
import Host
import TestSupport
import XaasJSON

/// One emulator serving two orgs (`acme`, `globex`, each with its own token and two identity sources)
/// and a config directory with both tenants, two CSV sources each. Faults can be put on one org.
final class MultiOrgFixture: @unchecked Sendable {
    let emulator: Emulator
    let server: HTTPServer
    let port: Int
    let root: URL
    var configDir: URL { root.appendingPathComponent("connectors.d") }
    var stateDir: URL { root.appendingPathComponent("state") }
    static let orgs = ["acme", "globex"]
    static let sources = ["hr", "contractors"]

    static func token(_ org: String) -> String { "\(org)-token-0123456789" }
    static func sourceId(_ org: String, _ source: String) -> String { "0oa\(org)\(source)" }

    init(faults: [String: EmulatorConfiguration.Faults] = [:], latencyMs: [String: Int] = [:],
         extraSourceIds: [String: [String]] = [:]) throws {
        let orgs = Self.orgs.map { name -> EmulatorConfiguration.Org in
            var org = EmulatorConfiguration.Org(name: name, tokens: [Self.token(name)],
                                                identitySources: Self.sources.map { Self.sourceId(name, $0) } + (extraSourceIds[name] ?? []))
            org.cooldownSeconds = 1
            org.processingDelayMs = 20
            if let f = faults[name] { org.faults = f }
            if let l = latencyMs[name] { org.faults.latencyMs = l }
            return org
        }
        emulator = try Emulator(configuration: EmulatorConfiguration(orgs: orgs, seed: 7))
        server = HTTPServer(handler: emulator)
        port = try server.start()
        root = try TestSupport.makeTemporaryDirectory("multi-org")
        for org in Self.orgs {
            try FileManager.default.createDirectory(at: configDir.appendingPathComponent(org), withIntermediateDirectories: true)
            try write("\(org)/org.json", """
                {"url": "http://127.0.0.1:\(port)", "token": {"value": "\(Self.token(org))"}, "sessionCooldownSeconds": 1}
                """)
            for source in Self.sources {
                try addSource(org, source, connector: "csv", settings: """
                    {"path": "\(source).csv", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]}}
                    """)
                try writeUsers(org, source, count: 30)
            }
        }
    }

    deinit {
        server.stop()
        emulator.shutdown()
    }

    func write(_ relative: String, _ text: String) throws {
        try text.write(to: configDir.appendingPathComponent(relative), atomically: true, encoding: .utf8)
    }

    /// Adds `<org>/<name>.json`; extra top-level keys (e.g. `"timeoutSeconds": 2`) go in `extra`.
    func addSource(_ org: String, _ name: String, connector: String, settings: String, sourceId: String? = nil,
                   extra: String = "") throws {
        try write("\(org)/\(name).json", """
            {"identitySourceId": "\(sourceId ?? Self.sourceId(org, name))", "connector": "\(connector)",
             "settings": \(settings), \(extra)
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first}", "lastName": "${last}"}}
            """)
    }

    /// Writes `<org>/<source>.csv` with `count` users whose ids and emails name the org and source.
    func writeUsers(_ org: String, _ source: String, count: Int, title: String = "t") throws {
        var text = "id,active,first,last,email,title\n"
        for i in 0..<count { text += "\(org)-\(source)-\(i),true,F\(i),L\(i),\(source)\(i)@\(org).example,\(title)\n" }
        try write("\(org)/\(source).csv", text)
    }

    /// `xaas sync --json` over the whole config.
    func sync(_ extra: [String] = []) throws -> (status: Int32, runs: [JSONValue], stderr: String) {
        let result = try TestSupport.xaas(
            ["sync", "--config", configDir.path, "--state", stateDir.path, "--json"] + extra)
        let runs = (try? JSONValue.parse(result.stdout))?["runs"]?.arrayValue ?? []
        return (result.status, runs, result.stderr)
    }

    func inspect(_ org: String, _ path: String) throws -> JSONValue {
        let response = emulator.handle(HTTPRequest(method: "GET", target: "/emulator/v1/orgs/\(org)/\(path)"))
        return try JSONValue.parse(bytes: response.body)
    }

    /// externalIds of `org`'s users with status ACTIVE.
    func activeUsers(_ org: String) throws -> Set<String> {
        Set((try inspect(org, "users").arrayValue ?? []).filter { $0["status"]?.stringValue == "ACTIVE" }
            .compactMap { $0["externalId"]?.stringValue })
    }
}

extension [JSONValue] {
    /// The run of `tenant/source`.
    func run(_ tenant: String, _ source: String) -> JSONValue? {
        first { $0["tenant"]?.stringValue == tenant && $0["source"]?.stringValue == source }
    }
}
