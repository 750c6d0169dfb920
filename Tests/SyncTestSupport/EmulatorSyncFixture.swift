import Emulator
import Foundation
import HTTPServer
import TestSupport
import XaasJSON

/// A real Okta emulator on a loopback port inside the test process, plus a temporary config directory
/// (`connectors.d`) and state directory, so `xaas sync` subprocesses sync into the emulator and tests
/// inspect it through its inspection API.
///
/// Test targets subclass it to add their sources (a CSV file, a fake Graph, a fake API Gateway); the
/// single-org helpers (`inspect(_:)`, `users()`, `stat(_:)`) address the org `acme`.
///
/// ## Threading
/// `@unchecked Sendable`: every stored property is immutable after `init`; the emulator and server are
/// thread-safe themselves. Tests may read from any thread.
open class EmulatorSyncFixture: @unchecked Sendable {
    public let emulator: Emulator
    public let server: HTTPServer
    public let port: Int
    public let root: URL
    public var configDir: URL { root.appendingPathComponent("connectors.d") }
    public var stateDir: URL { root.appendingPathComponent("state") }
    /// Extra environment for every `xaas sync` (e.g. the variable a connector's secret reference names).
    public let syncEnvironment: [String: String]

    /// One emulated org with `token` and `identitySources`, a cool-down of `cooldownSeconds` and a 20 ms
    /// import processing delay.
    public static func org(_ name: String = "acme", token: String, identitySources: [String],
                           cooldownSeconds: Double = 1) -> EmulatorConfiguration.Org {
        var org = EmulatorConfiguration.Org(name: name, tokens: [token], identitySources: identitySources)
        org.cooldownSeconds = cooldownSeconds
        org.processingDelayMs = 20
        return org
    }

    /// Starts an emulator serving `orgs` and makes an empty config directory under a temporary `root`.
    /// `clockSkewSeconds`: the emulated Okta's clock runs that far ahead of this host's (negative: behind).
    public init(orgs: [EmulatorConfiguration.Org], manualClock: Bool = false, seed: UInt64 = 1,
                directoryPrefix: String, syncEnvironment: [String: String] = [:], clockSkewSeconds: Double = 0) throws {
        self.syncEnvironment = syncEnvironment
        var configuration = EmulatorConfiguration(orgs: orgs, manualClock: manualClock, seed: seed)
        configuration.clockSkewSeconds = clockSkewSeconds
        emulator = try Emulator(configuration: configuration)
        server = HTTPServer(handler: emulator)
        port = try server.start()
        root = try TestSupport.makeTemporaryDirectory(directoryPrefix)
        try FileManager.default.createDirectory(at: configDir, withIntermediateDirectories: true)
    }

    deinit {
        server.stop()
        emulator.shutdown()
    }

    /// Writes `text` to `connectors.d/<relative>`, creating the tenant folder when needed.
    public func write(_ relative: String, _ text: String) throws {
        let url = configDir.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Writes `<org>/org.json` pointing at this emulator with an inline `token`.
    public func writeOrg(_ org: String = "acme", token: String, cooldownSeconds: Double = 1) throws {
        try write("\(org)/org.json", """
            {"url": "http://127.0.0.1:\(port)", "token": {"value": "\(token)"}, "sessionCooldownSeconds": \(cooldownSeconds)}
            """)
    }

    /// Runs `xaas sync --json` over the whole config; returns the exit status, every run's report and stderr.
    public func syncAll(_ extra: [String] = [], environment: [String: String] = [:]) throws
        -> (status: Int32, runs: [JSONValue], stderr: String) {
        let result = try TestSupport.xaas(
            ["sync", "--config", configDir.path, "--state", stateDir.path, "--json"] + extra,
            environment: syncEnvironment.merging(environment) { $1 })
        let runs = (try? JSONValue.parse(result.stdout))?["runs"]?.arrayValue ?? []
        return (result.status, runs, result.stderr)
    }

    /// Runs `xaas sync --json`; returns the exit status, the first (usually the only) run's report and stderr.
    public func sync(_ extra: [String] = [], environment: [String: String] = [:]) throws
        -> (status: Int32, run: JSONValue?, stderr: String) {
        let result = try syncAll(extra, environment: environment)
        return (result.status, result.runs.first, result.stderr)
    }

    /// `GET /emulator/v1/orgs/<org>/<path>` on the inspection API.
    public func inspect(_ org: String, _ path: String) throws -> JSONValue {
        let response = emulator.handle(HTTPRequest(method: "GET", target: "/emulator/v1/orgs/\(org)/\(path)"))
        return try JSONValue.parse(bytes: response.body)
    }

    /// `GET /emulator/v1/orgs/acme/<path>`.
    public func inspect(_ path: String) throws -> JSONValue { try inspect("acme", path) }

    /// externalId → (status, profile) of every user in `org`'s emulated directory.
    public func users(_ org: String = "acme") throws -> [String: (status: String, profile: [String: String])] {
        var out: [String: (String, [String: String])] = [:]
        for u in try inspect(org, "users").arrayValue ?? [] {
            var profile: [String: String] = [:]
            for m in u["profile"]?.objectValue ?? [] { if let v = m.value.stringValue { profile[m.key] = v } }
            out[u["externalId"]?.stringValue ?? ""] = (u["status"]?.stringValue ?? "", profile)
        }
        return out
    }

    /// externalIds of `org`'s users with status ACTIVE.
    public func activeUsers(_ org: String) throws -> Set<String> {
        Set((try inspect(org, "users").arrayValue ?? []).filter { $0["status"]?.stringValue == "ACTIVE" }
            .compactMap { $0["externalId"]?.stringValue })
    }

    /// One counter of `acme`'s inspection stats (-1 when absent).
    public func stat(_ name: String) throws -> Int { try inspect("stats")[name]?.intValue ?? -1 }

    /// Advances the emulator's manual clock.
    public func advanceClock(_ seconds: Double) {
        _ = emulator.handle(HTTPRequest(method: "POST", target: "/emulator/v1/clock/advance",
                                        body: Array("{\"seconds\":\(seconds)}".utf8)))
    }
}

extension JSONValue {
    /// The integer at `key`, or -1 when absent (for run reports).
    public func int(_ key: String) -> Int { self[key]?.intValue ?? -1 }
}

extension [JSONValue] {
    /// The run report of `tenant/source`.
    public func run(_ tenant: String, _ source: String) -> JSONValue? {
        first { $0["tenant"]?.stringValue == tenant && $0["source"]?.stringValue == source }
    }
}
