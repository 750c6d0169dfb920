import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import HTTPServer

@Suite("HTTPServer request bodies and limits")
struct BodyTests {
    @Test("chunked bodies: extensions ignored, trailers read, body reassembled")
    func chunked() async throws {
        try await Fixture.withServer { _, port in
            let client = try RawClient(port: port)
            client.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n"
                + "1 ; quoted=\"a;b\"\r\n,\r\n"
                + "A\r\n world 123\r\n"
                + "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200 && response.text == "hello, world 123")
            // The connection is still usable after the trailers.
            client.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
            #expect(try client.readResponse().status == 501)
        }
    }

    @Test("chunked bodies sent piecemeal are reassembled")
    func chunkedSlowly() async throws {
        try await Fixture.withServer { _, port in
            let client = try RawClient(port: port)
            client.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            for piece in ["3\r", "\nab", "c\r\n", "0\r\n", "\r\n"] {
                client.send(piece)
                usleep(20_000)
            }
            #expect(try client.readResponse().text == "abc")
        }
    }

    @Test("a streamed URLSession upload (chunked) arrives intact")
    func chunkedURLSession() async throws {
        try await Fixture.withServer { server, _ in
            let payload = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            var request = URLRequest(url: URL(string: "\(server.baseURL)/stream")!)
            request.httpMethod = "PUT"
            request.httpBodyStream = InputStream(data: payload)
            let (body, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(body == payload)
        }
    }

    @Test("malformed framing is rejected with 400 and the connection closed", arguments: [
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\u{01}b\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1 extra\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "GET / HTTX/1.1\r\n\r\n",
    ])
    func badFraming(_ raw: String) async throws {
        try await Fixture.withServer { _, port in
            let client = try RawClient(port: port)
            client.send(raw)
            let response = try client.readResponse()
            #expect(response.status == 400, "for \(raw.debugDescription): \(response.text)")
            #expect(response.header("Connection") == "close")
            #expect(client.isClosedByPeer())
        }
    }

    @Test("413 for a Content-Length or a chunked body past maxBodyBytes")
    func bodyTooLarge() async throws {
        try await Fixture.withServer(configure: { $0.maxBodyBytes = 1000 }) { _, port in
            let exact = try RawClient(port: port)
            exact.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "a", count: 1000))
            #expect(try exact.readResponse().body.count == 1000)

            let big = try RawClient(port: port)
            big.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
            #expect(try big.readResponse().status == 413)
            #expect(big.isClosedByPeer())

            let huge = try RawClient(port: port)
            huge.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999999\r\n\r\n")
            #expect(try huge.readResponse().status == 413)

            let chunked = try RawClient(port: port)
            chunked.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in 0..<3 { chunked.send("190\r\n" + String(repeating: "b", count: 400) + "\r\n") }
            #expect(try chunked.readResponse().status == 413)

            let hugeChunk = try RawClient(port: port)
            hugeChunk.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFFFF\r\n")
            #expect(try hugeChunk.readResponse().status == 413)
        }
    }

    @Test("431 for a header past maxHeaderBytes, 414 for a request line past it")
    func headerTooLarge() async throws {
        try await Fixture.withServer(configure: { $0.maxHeaderBytes = 4096 }) { _, port in
            let fits = try RawClient(port: port)
            fits.send("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: \(String(repeating: "p", count: 3000))\r\n\r\n")
            #expect(try fits.readResponse().status == 200)

            let many = try RawClient(port: port)
            many.send("GET / HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-A: 0123456789\r\n", count: 400) + "\r\n")
            #expect(try many.readResponse().status == 431)
            #expect(many.isClosedByPeer())

            let long = try RawClient(port: port)
            long.send("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: \(String(repeating: "p", count: 100_000))")
            #expect(try long.readResponse().status == 431)

            let line = try RawClient(port: port)
            line.send("GET /\(String(repeating: "u", count: 100_000)) HTTP/1.1\r\n\r\n")
            #expect(try line.readResponse().status == 414)

            let trailers = try RawClient(port: port)
            trailers.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
                + String(repeating: "X-T: 0123456789\r\n", count: 400) + "\r\n")
            #expect(try trailers.readResponse().status == 431)
        }
    }

    @Test("Expect: 100-continue gets an interim 100 before the body is sent")
    func expectContinue() async throws {
        try await Fixture.withServer(configure: { $0.maxBodyBytes = 100 }) { _, port in
            let client = try RawClient(port: port)
            client.send("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            #expect(try client.readResponse().status == 100)
            client.send("hello")
            let response = try client.readResponse()
            #expect(response.status == 200 && response.text == "hello")

            client.send("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 500\r\n\r\n")
            #expect(try client.readResponse().status == 413)  // no 100 first: the client never sends the body

            let other = try RawClient(port: port)
            other.send("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\nx")
            #expect(try other.readResponse().status == 417)
        }
    }

    @Test("chunk size parsing", arguments: [
        ("0", 0), ("a", 10), ("FF", 255), ("10;ext=1", 16), ("10 ;ext", 16), ("000001", 1),
    ])
    func chunkSize(_ text: String, _ expected: Int) throws {
        #expect(try RequestReader.parseChunkSize(ArraySlice(text.utf8), room: 1000) == expected)
    }

    @Test("bad chunk sizes", arguments: ["", ";x", "-1", "1 2", "0x10", "g"])
    func badChunkSize(_ text: String) {
        #expect(throws: RequestError.self) { try RequestReader.parseChunkSize(ArraySlice(text.utf8), room: 1000) }
    }
}
