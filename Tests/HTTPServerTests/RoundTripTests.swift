import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing
@testable import HTTPServer

@Suite("HTTPServer round trips")
struct RoundTripTests {
    @Test("port 0 picks a free port; binding a taken port fails with a clear error")
    func portZero() async throws {
        try await Fixture.withServer { first, port in
            #expect(port > 0 && port == first.port)
            try await Fixture.withServer { _, other in #expect(other > 0 && other != port) }
            var configuration = HTTPServerConfiguration()
            configuration.port = port
            let clash = HTTPServer(configuration: configuration, handler: Fixture.echo)
            #expect(throws: HTTPServerError.system(operation: "bind", address: "127.0.0.1:\(port)", code: EADDRINUSE)) {
                try clash.start()
            }
            #expect(HTTPServerError.system(operation: "bind", address: "127.0.0.1:\(port)", code: EADDRINUSE)
                .description.contains("Address already in use"))
        }
    }

    @Test("a host that is not an IP literal is rejected; a server starts once")
    func invalidHostAndDoubleStart() throws {
        var configuration = HTTPServerConfiguration()
        configuration.host = "example.com"
        #expect(throws: HTTPServerError.invalidHost("example.com")) {
            try HTTPServer(configuration: configuration, handler: Fixture.echo).start()
        }
        let server = HTTPServer(handler: Fixture.echo)
        try server.start()
        defer { server.stop() }
        #expect(throws: HTTPServerError.alreadyStarted) { try server.start() }
        server.stop()
        server.stop()  // idempotent
        #expect(throws: HTTPServerError.alreadyStarted) { try server.start() }
        HTTPServer(handler: Fixture.echo).stop()  // never started: a no-op
    }

    @Test("requestCPUSeconds counts the CPU its connection threads spend on requests, not idle time")
    func requestCPUIsCounted() async throws {
        // The handler spins on its thread's CPU clock for 30 ms: the server's count must see at least that.
        let busy = ClosureHandler { _ in
            let start = ThreadCPUClock.nanoseconds()
            while ThreadCPUClock.nanoseconds() &- start < 30_000_000 {}
            return HTTPResponse(status: 204, headers: HTTPHeaders([]), body: [])
        }
        try await Fixture.withServer(busy) { server, _ in
            #expect(server.requestCPUSeconds == 0)
            let (_, response) = try await URLSession.shared.data(from: URL(string: "\(server.baseURL)/spin")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 204)
            #expect(Fixture.eventually { server.requestCPUSeconds >= 0.03 }, "counted \(server.requestCPUSeconds) s")
        }
    }

    @Test("GET and POST round trips through URLSession")
    func urlSession() async throws {
        try await Fixture.withServer { server, port in
            let url = URL(string: "\(server.baseURL)/things/1?x=a%20b&y=2")!
            #expect(server.baseURL == "http://127.0.0.1:\(port)")
            let (_, getResponse) = try await URLSession.shared.data(from: url)
            let get = try #require(getResponse as? HTTPURLResponse)
            #expect(get.statusCode == 200)
            #expect(get.value(forHTTPHeaderField: "X-Method") == "GET")
            #expect(get.value(forHTTPHeaderField: "X-Target") == "/things/1?x=a%20b&y=2")
            #expect(get.value(forHTTPHeaderField: "X-Remote")?.hasPrefix("127.0.0.1:") == true)

            var generator = SeededGenerator(seed: 7)
            let payload = Data((0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
            var request = URLRequest(url: URL(string: "\(server.baseURL)/upload")!)
            request.httpMethod = "POST"
            request.httpBody = payload
            let (body, postResponse) = try await URLSession.shared.data(for: request)
            let post = try #require(postResponse as? HTTPURLResponse)
            #expect(post.statusCode == 200)
            #expect(post.value(forHTTPHeaderField: "X-Method") == "POST")
            #expect(body == payload)
        }
    }

    @Test("the server adds Date, Content-Length and Connection; handler headers are sanitised")
    func addedHeaders() async throws {
        let handler = ClosureHandler { _ in
            HTTPResponse(status: 201, headers: HTTPHeaders([("X-Evil", "a\r\nSet-Cookie: x=1"), ("Bad Name", "v")]),
                         body: Array("made".utf8))
        }
        try await Fixture.withServer(handler) { _, port in
            let client = try RawClient(port: port)
            client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 201)
            #expect(response.header("Content-Length") == "4")
            #expect(response.header("Connection") == "keep-alive")
            #expect(response.header("X-Evil") == "a  Set-Cookie: x=1")
            #expect(response.header("Set-Cookie") == nil && response.header("Bad Name") == nil)
            let date = try #require(response.header("Date"))
            #expect(date.wholeMatch(of: /[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT/) != nil)
        }
        #expect(ResponseSerializer.httpDate(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        let lying = HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Length", "99"),
                                                                    ("Transfer-Encoding", "chunked")]), body: [1, 2])
        let text = String(decoding: ResponseSerializer.head(for: lying, isHead: false, keepAlive: false).bytes, as: UTF8.self)
        #expect(text.contains("Content-Length: 2\r\n") && !text.contains("99") && !text.contains("chunked"))
        #expect(text.contains("Connection: close\r\n"))
        let noContent = ResponseSerializer.head(for: HTTPResponse(status: 204, body: [1]), isHead: false, keepAlive: true)
        #expect(!noContent.sendsBody && !String(decoding: noContent.bytes, as: UTF8.self).contains("Content-Length"))
    }

    @Test("keep-alive: several requests on one connection, then Connection: close is honoured")
    func keepAlive() async throws {
        try await Fixture.withServer { server, port in
            let client = try RawClient(port: port)
            for i in 0..<5 {
                client.send("POST /n/\(i) HTTP/1.1\r\nHost: x\r\nContent-Length: \(String(i).count)\r\n\r\n\(i)")
                let response = try client.readResponse()
                #expect(response.status == 200 && response.text == "\(i)")
                #expect(response.header("X-Target") == "/n/\(i)")
                #expect(response.header("Connection") == "keep-alive")
            }
            #expect(server.activeConnections == 1)
            client.send("GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let last = try client.readResponse()
            #expect(last.status == 200 && last.header("Connection") == "close")
            #expect(client.isClosedByPeer())
        }
    }

    @Test("HTTP/1.0 closes unless keep-alive is asked for")
    func http10() async throws {
        try await Fixture.withServer { _, port in
            let plain = try RawClient(port: port)
            plain.send("GET / HTTP/1.0\r\n\r\n")
            #expect(try plain.readResponse().header("Connection") == "close")
            #expect(plain.isClosedByPeer())

            let kept = try RawClient(port: port)
            for _ in 0..<2 {
                kept.send("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                #expect(try kept.readResponse().header("Connection") == "keep-alive")
            }
        }
    }

    @Test("pipelined requests are answered in order")
    func pipelining() async throws {
        try await Fixture.withServer { _, port in
            let client = try RawClient(port: port)
            var batch = ""
            for i in 0..<10 { batch += "POST /p/\(i) HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nb\(String(format: "%02d", i))" }
            batch += "GET /end HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            client.send(batch)
            for i in 0..<10 {
                let response = try client.readResponse()
                #expect(response.header("X-Target") == "/p/\(i)" && response.text == "b\(String(format: "%02d", i))")
            }
            #expect(try client.readResponse().header("X-Target") == "/end")
            #expect(client.isClosedByPeer())
        }
    }

    @Test("absolute-form targets reach the handler in origin form", arguments: [
        ("http://example.com/a/b?c=1", "/a/b?c=1"), ("HTTPS://h:8080", "/"), ("http://h?q", "/?q"),
        ("/plain?x", "/plain?x"), ("*", "*"),
    ])
    func originForm(_ target: String, _ expected: String) {
        #expect(RequestReader.originForm(target) == expected)
    }

    @Test("HEAD advertises the length but sends no body")
    func head() async throws {
        let handler = ClosureHandler { _ in .text(200, "twelve bytes") }
        try await Fixture.withServer(handler) { _, port in
            let client = try RawClient(port: port)
            client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try client.readResponse(headRequest: true)
            #expect(head.status == 200 && head.header("Content-Length") == "12" && head.body.isEmpty)
            let get = try client.readResponse()
            #expect(get.text == "twelve bytes")
        }
    }

    @Test("a handler can drop the connection without answering (fault injection)")
    func dropConnection() async throws {
        let handler = ClosureHandler { request in request.path == "/drop" ? .dropConnection : .text(200, "ok") }
        try await Fixture.withServer(handler) { server, port in
            let client = try RawClient(port: port)
            client.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            client.send("GET /drop HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(client.readToEnd().isEmpty)
            await #expect(throws: (any Error).self) {
                _ = try await URLSession.shared.data(from: URL(string: "\(server.baseURL)/drop")!)
            }
        }
    }

    @Test("IPv6 loopback", .enabled(if: Fixture.ipv6Available, "IPv6 loopback (::1) is not available here"))
    func ipv6() async throws {
        try await Fixture.withServer(configure: { $0.host = "::1" }) { server, port in
            #expect(server.baseURL == "http://[::1]:\(port)")
            let client = try RawClient(host: "::1", port: port)
            client.send("GET /six HTTP/1.1\r\nHost: [::1]\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200 && response.header("X-Remote")?.hasPrefix("[::1]:") == true)
        }
    }
}
