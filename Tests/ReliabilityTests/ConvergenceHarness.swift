import Foundation
import SyncTestSupport
import TestSupport
import XaasJSON

/// Runs the built `xaas sync` (a subprocess in its own process group) against a separate `xaas emulator`
/// process, on a generated CSV source, and checks every outcome against ``SourceModel``.
///
/// Every output of every run (stdout with `--json`, stderr with JSON logs) and, at the end, every file of the
/// state directory are searched for the configured token in its raw, percent-encoded and base64 forms.
final class ConvergenceHarness {
    static let org = "acme"
    static let sourceId = "0oarel00000000000001"

    /// How a run is interrupted.
    enum Kill: CustomStringConvertible {
        case none
        /// `XAAS_FAILPOINT=name:hit`: the process SIGKILLs itself at that point.
        case failpoint(String)
        /// The harness SIGKILLs the process group after this many seconds.
        case after(Double)

        var description: String {
            switch self {
            case .none: "none"
            case .failpoint(let f): "failpoint \(f)"
            case .after(let s): String(format: "SIGKILL after %.3f s", s)
            }
        }
    }

    /// One finished run.
    struct Run {
        var kill: Kill
        var status: Int32?
        /// True when the run was killed before it ended on its own.
        var killed: Bool
        var stdout: String
        var stderr: String
        var seconds: Double
    }

    let seed: UInt64
    let root: URL
    let emulator: ExternalEmulator
    let token: String
    private(set) var runs = 0
    private(set) var secretHits: [String] = []
    var configDir: URL { root.appendingPathComponent("connectors.d") }
    var stateDir: URL { root.appendingPathComponent("state") }
    var csv: URL { configDir.appendingPathComponent("\(Self.org)/users.csv") }

    /// `faults` is the emulator's `faults` object (JSON text); `extraOrg` more org settings (JSON members).
    init(seed: UInt64, label: String, faults: String = "{}", processingDelayMs: Int = 300, extraOrg: String = "") throws {
        self.seed = seed
        token = "rel-S3cr3t+\(seed)/Tok=en"
        root = try TestSupport.makeTemporaryDirectory("xaas-\(label)")
        let extra = extraOrg.isEmpty ? "" : ", " + extraOrg
        emulator = try ExternalEmulator(configJSON: """
            {"seed": \(seed), "orgs": [{"name": "\(Self.org)", "tokens": ["\(token)"], "identitySources": ["\(Self.sourceId)"],
              "cooldownSeconds": 0, "processingDelayMs": \(processingDelayMs), "faults": \(faults)\(extra)}]}
            """, directory: root)
        let tenant = configDir.appendingPathComponent(Self.org)
        try FileManager.default.createDirectory(at: tenant, withIntermediateDirectories: true)
        try """
            {"url": "\(emulator.baseURL)", "token": {"value": "\(token)"}, "sessionCooldownSeconds": 0}
            """.write(to: tenant.appendingPathComponent("org.json"), atomically: true, encoding: .utf8)
        try """
            {"identitySourceId": "\(Self.sourceId)", "connector": "csv",
             "settings": {"path": "users.csv", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]}},
             "filter": \(JSONValue.string(SourceModel.filter).serialized),
             "mapping": \(SourceModel.mapping),
             "safeguards": {"maxDeactivationPercent": null}}
            """.write(to: tenant.appendingPathComponent("hr.json"), atomically: true, encoding: .utf8)
    }

    deinit {
        emulator.stop()
        try? FileManager.default.removeItem(at: root)
    }

    func write(_ model: SourceModel) throws {
        try model.csv.write(to: csv, atomically: true, encoding: .utf8)
    }

    /// Runs `xaas sync --json --log-format json`, interrupted as `kill` says; a run that does not end within
    /// `timeout` seconds is killed and reported as a hang (status nil, killed false).
    func sync(_ kill: Kill, timeout: Double = 180) throws -> Run {
        runs += 1
        var environment: [String: String] = [:]
        if case .failpoint(let f) = kill { environment["XAAS_FAILPOINT"] = f }
        let started = Date()
        let process = try ProcessGroup(TestSupport.xaasExecutable,
                                       ["sync", "--config", configDir.path, "--state", stateDir.path, "--json",
                                        "--log-format", "json"],
                                       environment: environment,
                                       outputPrefix: root.appendingPathComponent("run-\(runs)"))
        var killedByUs = false
        if case .after(let seconds) = kill, !process.wait(seconds: seconds) {
            process.killTree()
            killedByUs = true
        }
        let ended = process.wait(seconds: timeout)
        if !ended { process.killTree(); process.wait(seconds: 10) }
        let stderr = process.stderr
        let failpointHit = stderr.contains("xaas: failpoint")
        let run = Run(kill: kill, status: ended && !killedByUs && !process.signalled ? process.exitStatus : nil,
                      killed: killedByUs || failpointHit || (ended && process.signalled),
                      stdout: process.stdout, stderr: stderr, seconds: Date().timeIntervalSince(started))
        checkSecrets(in: run.stdout + "\n" + run.stderr, where: "run \(runs) output")
        return run
    }

    /// The forms of the token a leak could take.
    var secretForms: [String] {
        let percent = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token
        return [token, percent, Data(token.utf8).base64EncodedString()]
    }

    func checkSecrets(in text: String, where place: String) {
        for form in secretForms where text.contains(form) { secretHits.append("\(place): \(form)") }
    }

    /// Searches every file of the state directory (the SQLite state, journals, WAL) for the token.
    func checkStateDirectoryForSecrets() {
        guard let files = FileManager.default.enumerator(at: stateDir, includingPropertiesForKeys: nil) else { return }
        for case let url as URL in files {
            guard let data = try? Data(contentsOf: url) else { continue }
            for form in secretForms where data.range(of: Data(form.utf8)) != nil {
                secretHits.append("\(url.lastPathComponent): \(form)")
            }
        }
    }

    func directory() throws -> [String: DirectoryUser] { try emulator.users(Self.org) }
}
