import Foundation
import Synchronization
@testable import HTTPServer

/// Shared helpers for the server tests.
enum Fixture {
    /// Echoes the request: the body back, the method/target/body length in headers.
    static let echo = ClosureHandler { request in
        var headers = HTTPHeaders([("Content-Type", "application/octet-stream")])
        headers.add("X-Method", request.method)
        headers.add("X-Target", request.target)
        headers.add("X-Body-Length", String(request.body.count))
        headers.add("X-Remote", request.remoteAddress)
        return HTTPResponse(status: 200, headers: headers, body: request.body)
    }

    /// Starts a server with `configure` applied, runs `body`, and always stops it.
    static func withServer<T>(
        _ handler: any HTTPHandler = echo, configure: (inout HTTPServerConfiguration) -> Void = { _ in },
        _ body: (HTTPServer, Int) async throws -> T
    ) async throws -> T {
        var configuration = HTTPServerConfiguration()
        configure(&configuration)
        let server = HTTPServer(configuration: configuration, handler: handler)
        let port = try server.start()
        defer { server.stop() }
        return try await body(server, port)
    }

    /// Waits (bounded) until `condition` holds; returns whether it did. Not a timing assertion: a guard so a
    /// broken server fails instead of hanging.
    static func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    /// A deterministic generator (SplitMix64) so garbage tests replay exactly.
    /// True when this machine can bind the IPv6 loopback.
    static let ipv6Available: Bool = {
        let server = HTTPServer(configuration: { var c = HTTPServerConfiguration(); c.host = "::1"; return c }(),
                                handler: echo)
        defer { server.stop() }
        return (try? server.start()) != nil
    }()
}

/// A one-shot gate: `wait` blocks until `open` (bounded by a guard timeout).
final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func open() { semaphore.signal() }
    func wait(_ seconds: Double = 10) -> Bool { semaphore.wait(timeout: .now() + seconds) == .success }
}
