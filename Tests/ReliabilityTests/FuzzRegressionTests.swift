import Foundation
import Glibc
import HTTPServer
import Testing
import TestSupport
import XaasJSON

/// Replays what `scripts/fuzz.sh` keeps — its seeds and every crasher it ever found
/// (`scripts/fuzz/crashers/<target>/`) — through the real code, so a fixed crash stays fixed.
@Suite("Fuzz regressions (seeds and kept crashers)")
struct FuzzRegressionTests {
    static func inputs(_ target: String) -> [URL] {
        let root = TestSupport.packageRoot.appendingPathComponent("scripts/fuzz")
        return ["seeds", "crashers"].flatMap { kind -> [URL] in
            let dir = root.appendingPathComponent("\(kind)/\(target)")
            return ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? [])
                .filter { !$0.lastPathComponent.hasPrefix(".") }
        }
    }

    @Test func jsonInputsParseOrFailCleanly() throws {
        for url in Self.inputs("json") {
            let bytes = [UInt8](try Data(contentsOf: url))
            if let value = try? JSONValue.parse(bytes: bytes) {
                #expect((try? JSONValue.parse(value.serialized))?.serialized == value.serialized, "\(url.lastPathComponent)")
            }
        }
    }

    /// connectors.d source/org files, filters and mapping templates (``FuzzConfig``, the `config` harness).
    @Test func configInputsAreReadOrReportedCleanly() {
        Self.replay("config", atLeast: 10, FuzzConfig.check)
    }

    /// Request sequences through the emulator without sockets (``FuzzEmulator``, the `emulator` harness).
    @Test func emulatorInputsAreAnsweredCleanly() {
        Self.replay("emulator", atLeast: 5, FuzzEmulator.check)
    }

    /// Runs every seed and crasher of `target` through its harness's `check`, which must find nothing wrong.
    static func replay(_ target: String, atLeast minimum: Int, _ check: ([UInt8]) -> String?) {
        let inputs = Self.inputs(target)
        #expect(inputs.count >= minimum, "the \(target) seeds are in scripts/fuzz/seeds/\(target)")
        for url in inputs {
            let problem = check([UInt8]((try? Data(contentsOf: url)) ?? Data()))
            #expect(problem == nil, "\(target)/\(url.lastPathComponent): \(problem ?? "")")
        }
    }

    /// Each input is sent raw to a live server, which must answer or close, and keep serving.
    @Test func httpInputsLeaveTheServerServing() throws {
        let inputs = Self.inputs("http")
        #expect(!inputs.isEmpty, "the HTTP seeds are in scripts/fuzz/seeds/http")
        var configuration = HTTPServerConfiguration()
        configuration.readTimeoutSeconds = 2
        let server = HTTPServer(configuration: configuration, handler: ClosureHandler { _ in .json(200, "{}") })
        let port = try server.start()
        defer { server.stop() }
        for url in inputs + [nil] {
            let bytes = url.map { [UInt8]((try? Data(contentsOf: $0)) ?? Data()) }
                ?? Array("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
            let reply = try Self.exchange(port: port, bytes)
            if url == nil { #expect(reply.hasPrefix("HTTP/1.1 200"), "the server still serves: \(reply.prefix(200))") }
        }
    }

    /// Sends `bytes`, half-closes, and reads until the server closes (receive timeout 10 s).
    static func exchange(port: Int, _ bytes: [UInt8]) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HarnessError("connect failed") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(fd, Int32(SHUT_WR))
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += chunk[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
