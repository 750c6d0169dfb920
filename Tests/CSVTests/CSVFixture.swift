import Foundation
import PluginAPI
import TestSupport

/// Temp CSV files plus the settings to read them, for the CSV connector tests. The directory is
/// removed when the fixture goes away.
final class CSVFixture {
    let directory: URL

    init() throws {
        directory = try TestSupport.makeTemporaryDirectory("xaas-csv")
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Writes `bytes` to `name` in the fixture directory and returns its path.
    @discardableResult
    func write(_ bytes: [UInt8], name: String = "users.csv") throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    @discardableResult
    func write(_ text: String, name: String = "users.csv") throws -> String {
        try write(Array(text.utf8), name: name)
    }

    /// Settings JSON for `path` with `externalId` and any extra settings.
    static func settings(path: String, externalId: String = "id", _ extra: [String: Any] = [:]) -> String {
        var object: [String: Any] = ["path": path, "externalId": externalId]
        object.merge(extra) { $1 }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes `content` and reads it all through the connector.
    func read(_ content: String, externalId: String = "id", _ extra: [String: Any] = [:],
              pageSize: UInt32 = 100) throws -> ConnectorHarness.ReadResult {
        try read(bytes: Array(content.utf8), externalId: externalId, extra, pageSize: pageSize)
    }

    func read(bytes: [UInt8], externalId: String = "id", _ extra: [String: Any] = [:],
              pageSize: UInt32 = 100) throws -> ConnectorHarness.ReadResult {
        let path = try write(bytes)
        let harness = try ConnectorHarness(settings: Self.settings(path: path, externalId: externalId, extra))
        return try harness.readAll(pageSize: pageSize)
    }

    /// The error a read of `content` fails with, or `nil` when it succeeds.
    func readError(_ content: String, externalId: String = "id", _ extra: [String: Any] = [:]) -> ConnectorHarness.CallError? {
        readError(bytes: Array(content.utf8), externalId: externalId, extra)
    }

    func readError(bytes: [UInt8], externalId: String = "id", _ extra: [String: Any] = [:]) -> ConnectorHarness.CallError? {
        do {
            _ = try read(bytes: bytes, externalId: externalId, extra)
            return nil
        } catch let error as ConnectorHarness.CallError {
            return error
        } catch {
            return ConnectorHarness.CallError(status: -1, message: "\(error)")
        }
    }
}

extension CSVFixture {
    /// One NDJSON line of `xaas plugins read` for a CSV source (single-valued attributes only).
    struct CLIRecord: Equatable {
        var externalId: String
        var status: String
        var attributes: [String: String]
    }

    /// Runs `xaas plugins read csv --settings FILE` with `settings`; the records, or the failure
    /// (exit status as `status`, stderr as `message`).
    func cliRead(settings: String) throws -> Result<[CLIRecord], ConnectorHarness.CallError> {
        let file = directory.appendingPathComponent("settings-\(UInt32.random(in: 0 ... .max)).json")
        try Data(settings.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try TestSupport.xaas(["plugins", "read", "csv", "--settings", file.path])
        guard run.status == 0 else {
            return .failure(ConnectorHarness.CallError(status: run.status, message: run.stderr))
        }
        var records: [CLIRecord] = []
        for line in run.stdoutData.split(separator: UInt8(ascii: "\n")) {
            let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
            guard let object, object["kind"] as? String == "user", let id = object["externalId"] as? String,
                  let status = object["status"] as? String, let attributes = object["attributes"] as? [String: String]
            else { throw ConnectorHarness.CallError(status: -1, message: "unexpected line: \(String(decoding: line, as: UTF8.self))") }
            records.append(CLIRecord(externalId: id, status: status, attributes: attributes))
        }
        return .success(records)
    }
}

/// The error `body` throws as a ``ConnectorHarness/CallError``, or `nil` when it does not throw.
func callError(_ body: () throws -> Void) -> ConnectorHarness.CallError? {
    do { try body(); return nil } catch let e as ConnectorHarness.CallError { return e } catch {
        return ConnectorHarness.CallError(status: -1, message: "\(error)")
    }
}
