import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import XaasJSON

/// A separate `xaas emulator --port 0 --config FILE --state FILE` process: the syncs under test talk to it
/// over loopback, and the harness inspects its directory through the inspection API. Stopped with SIGTERM.
public final class ExternalEmulator {
    public let process = Process()
    public let baseURL: String

    public init(configJSON: String, directory: URL) throws {
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
            process.terminate()
            throw ExternalEmulatorError("the emulator did not start: \(first)")
        }
        baseURL = String(first.dropFirst("listening on ".count))
    }

    /// `GET /emulator/v1/orgs/<org>/<path>`.
    public func inspect(_ org: String, _ path: String) throws -> JSONValue {
        let url = URL(string: "\(baseURL)/emulator/v1/orgs/\(org)/\(path)")!
        var request = URLRequest(url: url)
        request.setValue("close", forHTTPHeaderField: "Connection")
        request.timeoutInterval = 60
        nonisolated(unsafe) var result: Result<Data, any Error> = .failure(ExternalEmulatorError("no answer"))
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, error in
            result = data.map { .success($0) } ?? .failure(error ?? ExternalEmulatorError("no data"))
            done.signal()
        }.resume()
        done.wait()
        return try JSONValue.parse(bytes: [UInt8](try result.get()))
    }

    /// externalId → (status, profile) of every user of `org`.
    public func users(_ org: String) throws -> [String: DirectoryUser] {
        var out: [String: DirectoryUser] = [:]
        for u in try inspect(org, "users").arrayValue ?? [] {
            var profile: [String: String] = [:]
            for m in u["profile"]?.objectValue ?? [] { if let v = m.value.stringValue { profile[m.key] = v } }
            out[u["externalId"]?.stringValue ?? ""] = DirectoryUser(status: u["status"]?.stringValue ?? "", profile: profile)
        }
        return out
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// One user as the emulator's directory holds it.
public struct DirectoryUser: Equatable, Sendable {
    public var status: String
    public var profile: [String: String]
    public init(status: String, profile: [String: String]) { (self.status, self.profile) = (status, profile) }
}

/// The external emulator did not start or did not answer.
public struct ExternalEmulatorError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
