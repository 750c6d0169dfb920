import Foundation
import Synchronization
import Testing
import HTTPServer

/// Throughput figures, printed (speed is never asserted); every request must succeed (error counts are
/// asserted zero). Opt-in: `XAAS_BENCH=1 swift test --filter ServerBenchmark`
/// (use `-c release -Xswiftc -enable-testing` for meaningful numbers).
@Suite("ServerBenchmark", .enabled(if: ProcessInfo.processInfo.environment["XAAS_BENCH"] != nil,
                                   "benchmark only: set XAAS_BENCH=1 to run"))
struct ServerBenchmark {
    static let handler = ClosureHandler { request in .json(200, #"{"ok":true,"path":"\#(request.path)"}"#) }

    @Test("keep-alive requests per second")
    func keepAlive() throws {
        let server = HTTPServer(handler: Self.handler)
        let port = try server.start()
        defer { server.stop() }
        for clients in [1, 8, 64] {
            let perClient = 20_000 / clients
            let errors = Mutex(0)
            let start = Date()
            DispatchQueue.concurrentPerform(iterations: clients) { _ in
                guard let client = try? RawClient(port: port) else { errors.withLock { $0 += 1 }; return }
                for i in 0..<perClient {
                    client.send("GET /users/\(i) HTTP/1.1\r\nHost: bench\r\n\r\n")
                    if (try? client.readResponse())?.status != 200 { errors.withLock { $0 += 1 } }
                }
            }
            let seconds = Date().timeIntervalSince(start)
            print("HTTPServer keep-alive: \(clients) clients × \(perClient) requests: "
                + "\(Int(Double(clients * perClient) / seconds)) req/s, errors \(errors.withLock { $0 })")
            #expect(errors.withLock { $0 } == 0, "\(clients) clients: requests that failed or did not answer 200")
        }
    }

    @Test("new connection per request")
    func connectionPerRequest() throws {
        let server = HTTPServer(handler: Self.handler)
        let port = try server.start()
        defer { server.stop() }
        let total = 3000
        var errors = 0
        let start = Date()
        for i in 0..<total {
            guard let client = try? RawClient(port: port) else { errors += 1; continue }
            client.send("GET /c/\(i) HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            if (try? client.readResponse())?.status != 200 { errors += 1 }
        }
        let seconds = Date().timeIntervalSince(start)
        print("HTTPServer connection per request: \(Int(Double(total) / seconds)) req/s, errors \(errors)")
        #expect(errors == 0, "requests that failed or did not answer 200")
    }
}
