import Emulator
@testable import HTTPServer
import XaasJSON

// One home for a fuzz target: the libFuzzer harness (scripts/fuzz/emulator.swift, built by scripts/fuzz.sh with
// this file) crashes on what `check` returns, and FuzzRegressionTests replays every seed and kept crasher
// through the same `check`.

/// The emulator's request handling without sockets. The input is up to 8 requests separated by a line `---`;
/// each is a request head (request line and header fields, parsed by the HTTP server's own parsers) and,
/// after an empty line, a body. `{S}` in a target stands for the id of the last session the emulator
/// created, so sessions, bulk requests and imports are reached. Each input gets a fresh emulator (manual
/// clock; due sessions processed after every request). Never a crash or a hang, every status is a valid
/// HTTP status, and every JSON body the emulator answers parses.
enum FuzzEmulator {
    /// Runs one input (requests separated by a line `---`); returns what is wrong (nil: nothing).
    static func check(_ bytes: [UInt8]) -> String? {
        guard let emulator = try? Emulator(configuration: configuration) else { return "the emulator did not start" }
        defer { emulator.shutdown() }
        var session = "none"
        for part in split(bytes, on: Array("\n---\n".utf8)).prefix(8) {
            guard var request = request(part) else { continue }
            request.target = request.target.replacingOccurrences(of: "{S}", with: session)
            let response = emulator.handle(request)
            emulator.processDueSessions()
            guard (100..<600).contains(response.status) else {
                return "\(request.method) \(request.target): status \(response.status)"
            }
            let type = response.headers["Content-Type"] ?? ""
            if type.contains("json"), !response.body.isEmpty {
                guard let json = try? JSONValue.parse(bytes: response.body) else {
                    return "\(request.method) \(request.target): the \(response.status) answer's body is not JSON"
                }
                if request.path.hasSuffix("/sessions"), request.method == "POST", let id = json["id"]?.stringValue { session = id }
            }
        }
        return nil
    }

    static let configuration: EmulatorConfiguration = {
        var org = EmulatorConfiguration.Org(name: "acme", tokens: ["fuzz-token"], identitySources: ["0oafuzz0000000000001"])
        org.processingDelayMs = 0
        org.cooldownSeconds = 0
        return EmulatorConfiguration(orgs: [org], manualClock: true, seed: 1)
    }()

    static func split(_ bytes: [UInt8], on separator: [UInt8]) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var start = 0, i = 0
        while i + separator.count <= bytes.count {
            if bytes[i..<(i + separator.count)].elementsEqual(separator) {
                parts.append(bytes[start..<i])
                i += separator.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(bytes[start...])
        return parts
    }

    /// A request from `head CRLF CRLF body` (LF line ends accepted), or nil when the head does not parse.
    static func request(_ bytes: ArraySlice<UInt8>) -> HTTPRequest? {
        var lines: [ArraySlice<UInt8>] = []
        var i = bytes.startIndex, lineStart = i
        while i < bytes.endIndex {
            if bytes[i] == 10 {
                var line = bytes[lineStart..<i]
                if line.last == 13 { line = line.dropLast() }
                if line.isEmpty { i += 1; break }
                lines.append(line)
                lineStart = i + 1
            }
            i += 1
        }
        if i >= bytes.endIndex, lineStart < bytes.endIndex, lines.isEmpty { lines.append(bytes[lineStart...]) }
        guard let first = lines.first, let head = try? RequestReader.parseRequestLine(first) else { return nil }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let (name, value) = try? RequestReader.parseField(line) else { return nil }
            headers.add(name, value)
        }
        return HTTPRequest(method: head.method, target: head.target, headers: headers,
                           body: i < bytes.endIndex ? Array(bytes[i...]) : [])
    }
}
