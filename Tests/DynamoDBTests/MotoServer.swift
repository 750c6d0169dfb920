import Foundation
import TestSupport
import XaasJSON

/// A moto DynamoDB server seeded by `interop/moto_oracle.py`, with boto3's reading of the table as the
/// expected records. The server lives while this object does: `stop()` (also run by `deinit`) closes the
/// script's stdin, which stops the server; a test process that dies closes it too.
final class MotoServer: @unchecked Sendable {
    /// One expected record: status and attribute name → sorted values.
    struct Expected: Equatable, CustomStringConvertible {
        var status: UInt32
        var attributes: [String: [String]]
        var description: String { "\(status) \(attributes.sorted { $0.key < $1.key })" }
    }

    let process = Process()
    private let stdin = Pipe()
    let port: Int
    let accessKeyId: String
    let secretAccessKey: String
    let expected: [String: Expected]
    let directory: URL

    static var available: Bool { TestSupport.python(with: ["moto.server", "boto3"]) != nil }

    init(items: Int, auth: Bool = false) throws {
        directory = try TestSupport.makeTemporaryDirectory("ddb-moto")
        let script = TestSupport.packageRoot.appendingPathComponent("Tests/DynamoDBTests/interop/moto_oracle.py")
        let expectedFile = directory.appendingPathComponent("expected.json")
        let log = directory.appendingPathComponent("moto.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--items", String(items), "--expected", expectedFile.path] + (auth ? ["--auth"] : [])
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        // A guard, not a timing assertion: a seeding script that hangs is killed so the test fails instead.
        let ready = Locked(false)
        let child = process
        DispatchQueue.global().asyncAfter(deadline: .now() + 300) {
            if !ready.withLock({ $0 }), child.isRunning { child.terminate() }
        }
        defer { ready.withLock { $0 = true } }
        // The first stdout line says the server is ready (or EOF: the script failed).
        var line: [UInt8] = []
        while true {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
            if line.contains(UInt8(ascii: "\n")) { break }
        }
        let announced = try? JSONValue.parse(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        guard let port = announced?["port"]?.intValue, let key = announced?["accessKeyId"]?.stringValue,
              let secret = announced?["secretAccessKey"]?.stringValue else {
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw TestFailure("moto_oracle.py did not start: \(text.suffix(2000))")
        }
        self.port = port
        accessKeyId = key
        secretAccessKey = secret
        var expected: [String: Expected] = [:]
        for member in try JSONValue.parse(String(contentsOf: expectedFile, encoding: .utf8)).objectValue ?? [] {
            var attributes: [String: [String]] = [:]
            for a in member.value["attributes"]?.objectValue ?? [] {
                attributes[a.key] = (a.value.arrayValue ?? []).compactMap(\.stringValue).sorted()
            }
            expected[member.key] = Expected(status: UInt32(member.value["status"]?.intValue ?? -1), attributes: attributes)
        }
        self.expected = expected
    }

    deinit { stop() }

    /// Stops the server (idempotent).
    func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning {
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning { process.terminate() }
            // SIGTERM can be blocked in the child (it inherits the spawning thread's signal mask): then kill.
            let killAt = Date().addingTimeInterval(5)
            while process.isRunning, Date() < killAt { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Settings fragments for credentials in 0600 files.
    func credentials(secret: String? = nil) throws -> String {
        try TestSecrets.credentials(accessKey: accessKeyId, secret: secret ?? secretAccessKey)
    }

    /// The connector's records in the shape of ``expected``.
    static func actual(_ records: [ConnectorHarness.TestRecord]) -> [String: Expected] {
        var out: [String: Expected] = [:]
        for r in records {
            var attributes: [String: [String]] = [:]
            for pair in r.attributes { attributes[pair[0], default: []].append(pair[1]) }
            out[r.externalId] = Expected(status: r.status, attributes: attributes.mapValues { $0.sorted() })
        }
        return out
    }
}

/// A failure with a message, for test helpers.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
