import Foundation
import Synchronization
import Testing
import HTTPServer
@testable import Host

/// A server that closes the socket without answering (the emulator's `drop` fault, a load balancer killing a
/// connection): the client must see a lost connection at once, never wait for a timeout.
@Suite("URLSessionTransport and dropped connections")
struct DroppedConnectionTests {
    /// Requests that carry `drop` in their path are dropped; the others answer 200 with the request number.
    static func server(readTimeout: Double) throws -> (HTTPServer, Int) {
        let count = Mutex(0)
        var configuration = HTTPServerConfiguration()
        configuration.readTimeoutSeconds = readTimeout
        configuration.idleTimeoutSeconds = readTimeout
        let server = HTTPServer(configuration: configuration, handler: ClosureHandler { request in
            let n = count.withLock { $0 += 1; return $0 }
            if request.path.contains("drop") { return .dropConnection }
            return .json(200, "{\"n\": \(n)}")
        })
        let port = try server.start()
        return (server, port)
    }

    /// The server's read/idle timeouts are far longer than the client's request timeout, so a client that
    /// waits on the dropped (or a half-closed, reused) connection fails with `timedOut` instead of finishing.
    @Test("keep-alive requests around dropped ones: every drop is reported as a lost connection, no timeout")
    func dropsAreReportedAtOnce() async throws {
        let (server, port) = try Self.server(readTimeout: 120)
        defer { server.stop() }
        let transport = URLSessionTransport(timeoutSeconds: 6)
        var outcomes: [String] = []
        for i in 0..<12 {
            let path = i % 3 == 1 ? "/drop/\(i)" : "/ok/\(i)"
            let body: [UInt8]? = i % 2 == 0 ? Array(repeating: UInt8(ascii: "x"), count: 4096) : nil
            let request = TransportRequest(method: body == nil ? "GET" : "POST",
                                           url: URL(string: "http://127.0.0.1:\(port)\(path)")!, body: body)
            do {
                let response = try await transport.send(request)
                outcomes.append("\(i):\(response.status)")
            } catch let error as URLError {
                outcomes.append("\(i):\(error.code == .timedOut ? "TIMEOUT" : "lost")")
            }
        }
        #expect(!outcomes.contains { $0.hasSuffix("TIMEOUT") }, "\(outcomes)")
        for (i, outcome) in outcomes.enumerated() {
            #expect(outcome == (i % 3 == 1 ? "\(i):lost" : "\(i):200"), "\(outcomes)")
        }
    }
}
