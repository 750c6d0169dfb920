import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import TestSupport
import Testing
@testable import HTTPServer

@Suite("HTTPServer robustness")
struct RobustnessTests {
    @Test("200 iterations of seeded garbage leave the server serving and leak no connection")
    func garbage() async throws {
        try await Fixture.withServer(configure: { $0.readTimeoutSeconds = 2 }) { server, port in
            var generator = SeededGenerator(seed: 0x5EED)
            let prefixes = ["", "GET ", "GET / HTTP/1.1\r\nHost: x\r\n", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
                            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "\r\n\r\n"]
            for iteration in 0..<200 {
                let count = Int.random(in: 0...2048, using: &generator)
                var bytes = Array(prefixes[iteration % prefixes.count].utf8)
                bytes += (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let client = try RawClient(port: port)
                client.send(bytes)
                client.shutdownWrite()
                let reply = String(decoding: client.readToEnd(), as: UTF8.self)
                if !reply.isEmpty {
                    #expect(reply.hasPrefix("HTTP/1.1 4") || reply.hasPrefix("HTTP/1.1 5") || reply.hasPrefix("HTTP/1.1 200"),
                            "iteration \(iteration): \(reply.prefix(60).debugDescription)")
                }
            }
            let client = try RawClient(port: port)
            client.send("GET /alive HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            #expect(Fixture.eventually { server.activeConnections == 1 })
        }
    }

    @Test("200 concurrent connections are all served")
    func concurrentConnections() async throws {
        // Idle keep-alive connections must outlive a slow run on a loaded machine for the count below.
        try await Fixture.withServer(configure: { $0.idleTimeoutSeconds = 600 }) { server, port in
            let clients = try (0..<200).map { _ in try RawClient(port: port) }
            #expect(Fixture.eventually { server.activeConnections == 200 })
            // Every request is in the server before any response is read: 200 handlers run side by side.
            for (i, client) in clients.enumerated() {
                #expect(client.send("POST /c/\(i) HTTP/1.1\r\nHost: x\r\nContent-Length: \(String(i).count)\r\n\r\n\(i)"))
            }
            var served = 0
            for (i, client) in clients.enumerated() {
                let response = try client.readResponse()
                if response.status == 200, response.text == "\(i)", response.header("X-Target") == "/c/\(i)" { served += 1 }
            }
            #expect(served == 200)
            // And through URLSession, concurrently.
            let codes = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<50 {
                    group.addTask {
                        let url = URL(string: "\(server.baseURL)/u/\(i)")!
                        let (_, response) = try await URLSession.shared.data(from: url)
                        return (response as? HTTPURLResponse)?.statusCode ?? 0
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(codes.count == 50 && codes.allSatisfy { $0 == 200 })
            #expect(server.activeConnections >= 200)
            server.stop()  // closes every idle keep-alive connection
            #expect(server.activeConnections == 0)
            #expect(clients.allSatisfy { $0.isClosedByPeer() })
        }
    }

    @Test("past maxConnections a connection gets 503")
    func connectionCap() async throws {
        try await Fixture.withServer(configure: { $0.maxConnections = 2 }) { server, port in
            let held = try (0..<2).map { _ in try RawClient(port: port) }
            for client in held {
                client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try client.readResponse().status == 200)
            }
            let extra = try RawClient(port: port)
            let refused = try extra.readResponse()
            #expect(refused.status == 503 && refused.header("Connection") == "close")
            held[0].send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            _ = try held[0].readResponse()
            #expect(held[0].isClosedByPeer())
            #expect(Fixture.eventually { server.activeConnections == 1 })
            let next = try RawClient(port: port)
            next.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try next.readResponse().status == 200)
        }
    }

    @Test("stop() lets an in-flight request finish, closes idle connections, and frees the port")
    func stopWhileInFlight() async throws {
        let entered = Gate(), release = Gate()
        let handler = ClosureHandler { request in
            if request.path == "/slow" {
                entered.open()
                _ = release.wait()
            }
            return .text(200, "done \(request.path)")
        }
        let server = HTTPServer(handler: handler)
        let port = try server.start()
        let idle = try RawClient(port: port)
        idle.send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle.readResponse().status == 200)

        let busy = try RawClient(port: port)
        busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(entered.wait())
        let stopped = Gate()
        Thread {
            server.stop()
            stopped.open()
        }.start()
        #expect(idle.isClosedByPeer())  // the idle keep-alive connection is closed by stop()
        #expect(Fixture.eventually { (try? RawClient(port: port)) == nil })  // no longer accepting
        release.open()
        let response = try busy.readResponse()
        #expect(response.status == 200 && response.text == "done /slow")
        #expect(response.header("Connection") == "close")
        #expect(stopped.wait())
        #expect(server.activeConnections == 0)
        // The port is free again.
        var configuration = HTTPServerConfiguration()
        configuration.port = port
        let again = HTTPServer(configuration: configuration, handler: handler)
        #expect(try again.start() == port)
        again.stop()
    }

    @Test("a slowloris head gets 408; an idle connection is closed silently")
    func timeouts() async throws {
        try await Fixture.withServer(configure: { $0.readTimeoutSeconds = 0.3; $0.idleTimeoutSeconds = 0.3 }) { server, port in
            let slow = try RawClient(port: port)
            slow.send("GET / HTTP/1.1\r\nHost: x\r\n")
            for _ in 0..<10 {  // keep trickling: the head deadline is total, not per byte
                slow.send("X")
                usleep(50_000)
            }
            #expect(try slow.readResponse().status == 408)

            let idle = try RawClient(port: port)
            #expect(idle.readToEnd().isEmpty)
            #expect(Fixture.eventually { server.activeConnections == 0 })
        }
    }

    @Test("a half-closed client still gets its response")
    func halfClosed() async throws {
        try await Fixture.withServer { server, port in
            let client = try RawClient(port: port)
            client.send("POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
            client.shutdownWrite()
            let response = try client.readResponse()
            #expect(response.status == 200 && response.text == "hi")
            #expect(client.isClosedByPeer())
            let partial = try RawClient(port: port)
            partial.send("POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            partial.shutdownWrite()
            #expect(partial.readToEnd().isEmpty)
            #expect(Fixture.eventually { server.activeConnections == 0 })
        }
    }

    @Test("a client vanishing mid-response does not kill the process (no SIGPIPE)")
    func peerGone() async throws {
        let big = [UInt8](repeating: 0x61, count: 8 * 1024 * 1024)
        try await Fixture.withServer(ClosureHandler { _ in HTTPResponse(status: 200, body: big) }) { server, port in
            for _ in 0..<5 {
                let client = try RawClient(port: port)
                client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
                usleep(10_000)
            }  // each client is closed here with the response unread
            #expect(Fixture.eventually { server.activeConnections == 0 })
            let client = try RawClient(port: port)
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().body.count == big.count)
        }
    }
}
