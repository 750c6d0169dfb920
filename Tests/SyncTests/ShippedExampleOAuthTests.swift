import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport
import XaasCrypto
import XaasJSON

/// The shipped example (`connectors.d/acme`: its source file and CSV as they are in the repository) synced
/// by `xaas sync` into a separate `xaas emulator` process that knows the org only through an OAuth service
/// app: no API token exists, so every call rides on a token from `/oauth2/v1/token`.
@Suite("The shipped example into a separate xaas emulator with an OAuth service app")
struct ShippedExampleOAuthTests {
    static let sourceId = "0oa8acmehr0000000001"

    @Test("RSA key with Bearer tokens; EC key with DPoP and a resource server that demands its nonce",
          arguments: [(KeyType.rsa, false), (KeyType.ecP256, true)])
    func shippedExample(type: KeyType, dpop: Bool) throws {
        let key = type == .rsa ? try PrivateKey.generateRSA() : try PrivateKey.generateECP256()
        let root = try TestSupport.makeTemporaryDirectory("shipped-oauth")
        var jwk = key.publicKey.jwk
        jwk["kid"] = "k1"
        let jwkJSON = JSONValue.object(jwk.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).serialized
        let emulator = try EmulatorSubprocess(config: """
            {"orgs": [{"name": "acme", "identitySources": ["\(Self.sourceId)"], "cooldownSeconds": 1, "processingDelayMs": 20,
                       "serviceApps": [{"clientId": "\(OAuthSyncTests.clientId)", "jwks": {"keys": [\(jwkJSON)]},
                                        "scopes": ["okta.identitySources.manage"], "requireDPoP": \(dpop)}],
                       "resourceDPoPNonce": \(dpop)}]}
            """, directory: root)
        defer { emulator.stop() }

        let tenant = root.appendingPathComponent("connectors.d/acme")
        let shipped = TestSupport.packageRoot.appendingPathComponent("connectors.d/acme")
        try FileManager.default.createDirectory(at: tenant.appendingPathComponent("data"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: tenant.appendingPathComponent("secrets"), withIntermediateDirectories: true)
        for file in ["hr.json", "data/users.csv"] {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(file), to: tenant.appendingPathComponent(file))
        }
        FileManager.default.createFile(atPath: tenant.appendingPathComponent("secrets/key.pem").path,
                                       contents: Data(try key.pem().utf8), attributes: [.posixPermissions: 0o600])
        try """
            {"url": "\(emulator.baseURL)", "sessionCooldownSeconds": 1,
             "auth": {"oauth": {"clientId": "\(OAuthSyncTests.clientId)", "privateKey": {"file": "secrets/key.pem"},
                                "keyId": "k1", "dpop": \(dpop)}}}
            """.write(to: tenant.appendingPathComponent("org.json"), atomically: true, encoding: .utf8)

        let state = root.appendingPathComponent("state")
        let result = try TestSupport.xaas(["sync", "--config", root.appendingPathComponent("connectors.d").path,
                                           "--state", state.path, "--json"])
        let run = (try? JSONValue.parse(result.stdout))?["runs"]?.arrayValue?.first
        #expect(result.status == 0, "\(result.stderr)")
        #expect(run?["status"]?.stringValue == "ok", "\(run?.serialized ?? result.stdout)")
        let users = try emulator.inspect("users").arrayValue ?? []
        #expect(users.count >= 90, "the shipped CSV has 100 people: \(users.count) reached the emulator")
        #expect(users.count == run?.int("created"), "every user the run created is in the emulator")
        let challenges = try emulator.inspect("stats")["dpopNonceChallenges"]?.intValue ?? -1
        #expect(dpop ? challenges >= 1 : challenges == 0, "\(challenges)")

        var everything = result.stdout + result.stderr
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = files?.nextObject() as? URL {
            guard !url.path.hasSuffix("/secrets/key.pem"), let data = FileManager.default.contents(atPath: url.path) else { continue }
            everything += String(decoding: data, as: UTF8.self)
        }
        OAuthSyncTests.expectNoSecrets(everything, key: key)
    }
}

/// `xaas emulator --port 0 --config FILE --state FILE` as a child process; its URL from the first stdout
/// line; its inspection API read over HTTP. Stopped with SIGTERM.
final class EmulatorSubprocess {
    let process = Process()
    let baseURL: String

    init(config: String, directory: URL) throws {
        let file = directory.appendingPathComponent("emulator.json")
        try config.write(to: file, atomically: true, encoding: .utf8)
        process.executableURL = TestSupport.xaasExecutable
        process.arguments = ["emulator", "--port", "0", "--config", file.path,
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
            throw EmulatorSubprocessError(message: "the emulator did not start: \(first)")
        }
        baseURL = String(first.dropFirst("listening on ".count))
    }

    /// `GET /emulator/v1/orgs/acme/<path>`.
    func inspect(_ path: String) throws -> JSONValue {
        var request = URLRequest(url: URL(string: "\(baseURL)/emulator/v1/orgs/acme/\(path)")!)
        request.setValue("close", forHTTPHeaderField: "Connection")
        nonisolated(unsafe) var result: Result<Data, any Error> = .failure(EmulatorSubprocessError(message: "no answer"))
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, error in
            result = data.map { .success($0) } ?? .failure(error ?? EmulatorSubprocessError(message: "no data"))
            done.signal()
        }.resume()
        done.wait()
        return try JSONValue.parse(bytes: [UInt8](try result.get()))
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

struct EmulatorSubprocessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
