import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import XaasJSON

/// A separate `xaas emulator --port 0 --config FILE --state FILE` process: the syncs under test talk to it
/// over loopback, and the harness inspects its directory through the inspection API. Stopped with SIGTERM.
final class ExternalEmulator {
    let process = Process()
    let baseURL: String

    init(configJSON: String, directory: URL) throws {
        let config = directory.appendingPathComponent("emulator.json")
        try configJSON.write(to: config, atomically: true, encoding: .utf8)
        process.executableURL = TestSupport.xaasExecutable
        process.arguments = ["emulator", "--port", "0", "--config", config.path,
                             "--state", directory.appendingPathComponent("emulator.sqlite").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var bytes: [UInt8] = []
        while !bytes.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            bytes.append(contentsOf: chunk)
        }
        let first = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard first.hasPrefix("listening on ") else {
            throw HarnessError("the emulator did not start: \(first)")
        }
        baseURL = String(first.dropFirst("listening on ".count))
    }

    /// `GET /emulator/v1/orgs/<org>/<path>`.
    func inspect(_ org: String, _ path: String) throws -> JSONValue {
        let url = URL(string: "\(baseURL)/emulator/v1/orgs/\(org)/\(path)")!
        var request = URLRequest(url: url)
        request.setValue("close", forHTTPHeaderField: "Connection")
        request.timeoutInterval = 60
        nonisolated(unsafe) var result: Result<Data, any Error> = .failure(HarnessError("no answer"))
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, error in
            result = data.map { .success($0) } ?? .failure(error ?? HarnessError("no data"))
            done.signal()
        }.resume()
        done.wait()
        return try JSONValue.parse(bytes: [UInt8](try result.get()))
    }

    /// externalId → (status, profile) of every user of `org`.
    func users(_ org: String) throws -> [String: DirectoryUser] {
        var out: [String: DirectoryUser] = [:]
        for u in try inspect(org, "users").arrayValue ?? [] {
            var profile: [String: String] = [:]
            for m in u["profile"]?.objectValue ?? [] { if let v = m.value.stringValue { profile[m.key] = v } }
            out[u["externalId"]?.stringValue ?? ""] = DirectoryUser(status: u["status"]?.stringValue ?? "", profile: profile)
        }
        return out
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// One user as the emulator's directory holds it.
struct DirectoryUser: Equatable {
    var status: String
    var profile: [String: String]
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
