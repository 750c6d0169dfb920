import Foundation
import HTTPServer
import Synchronization
import TestSupport
import XaasJSON

/// A scripted DynamoDB Scan endpoint on a loopback port: serves `items` (typed JSON texts) page by page
/// (`Limit`, `ExclusiveStartKey` = `{"pos": {"N": index}}`, segment = index mod `TotalSegments`), returns
/// queued fault responses first, and records every request.
///
/// ## Threading
/// The handler runs on server threads; the mutex guards the fault queue and the request log.
final class StubDynamoDB: Sendable {
    struct Logged: Sendable {
        var headers: HTTPHeaders
        var body: JSONValue
    }

    let server: HTTPServer
    let port: Int
    private let state: Locked<(faults: [HTTPResponse], log: [Logged])>
    /// Items per segment index; every item is a typed-item JSON text.
    let items: [String]
    /// When set, pages hold at most this many items regardless of `Limit` but always return a key
    /// (to make empty trailing pages).
    let emptyTail: Bool

    init(items: [String], emptyTail: Bool = false) throws {
        self.items = items
        self.emptyTail = emptyTail
        let state = Locked<(faults: [HTTPResponse], log: [Logged])>(([], []))
        self.state = state
        let all = items
        server = HTTPServer(handler: ClosureHandler { request in
            let body = (try? JSONValue.parse(bytes: request.body)) ?? .null
            let fault = state.withLock { s -> HTTPResponse? in
                s.log.append(Logged(headers: request.headers, body: body))
                return s.faults.isEmpty ? nil : s.faults.removeFirst()
            }
            if let fault { return fault }
            return StubDynamoDB.scan(body, all, emptyTail: emptyTail)
        })
        port = try server.start()
    }

    deinit { server.stop() }

    var endpoint: String { "http://127.0.0.1:\(port)" }
    var requests: [Logged] { state.withLock { $0.log } }

    /// Queues responses returned (in order) before normal service resumes.
    func fail(with responses: [HTTPResponse]) { state.withLock { $0.faults += responses } }

    static func error(_ status: Int, _ type: String, _ message: String = "scripted") -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/x-amz-json-1.0")]),
                     body: Array("{\"__type\":\"com.amazonaws.dynamodb.v20120810#\(type)\",\"message\":\"\(message)\"}".utf8))
    }

    private static func scan(_ body: JSONValue, _ all: [String], emptyTail: Bool) -> HTTPResponse {
        guard body["TableName"]?.stringValue == "Users" else {
            return error(400, "ResourceNotFoundException", "Requested resource not found")
        }
        let limit = body["Limit"]?.intValue ?? 1000
        let total = body["TotalSegments"]?.intValue ?? 1
        let segment = body["Segment"]?.intValue ?? 0
        var position = 0
        if let start = body["ExclusiveStartKey"]?["pos"]?["N"]?.stringValue, let p = Int(start) { position = p + 1 }
        var page: [String] = []
        var last: Int?
        while position < all.count, page.count < limit {
            if position % total == segment { page.append(all[position]) }
            last = position
            position += 1
        }
        let more = position < all.count
        var text = "{\"Items\":[\(page.joined(separator: ","))],\"Count\":\(page.count),\"ScannedCount\":\(page.count)"
        if more || (emptyTail && last != nil) {
            text += ",\"LastEvaluatedKey\":{\"pos\":{\"N\":\"\(last ?? position)\"}}"
        }
        text += "}"
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/x-amz-json-1.0")]), body: Array(text.utf8))
    }
}

/// Secret files for tests (mode 0600), so no test changes the process environment.
enum TestSecrets {
    /// A directory with `akid` and `secret` files; returns settings fragments for them.
    static func credentials(accessKey: String = "AKIDTEST", secret: String = "test-secret-value") throws -> String {
        let dir = try TestSupport.makeTemporaryDirectory("ddb-secrets")
        let akid = dir.appendingPathComponent("akid"), key = dir.appendingPathComponent("secret")
        try accessKey.write(to: akid, atomically: true, encoding: .utf8)
        try (secret + "\n").write(to: key, atomically: true, encoding: .utf8)
        for url in [akid, key] { chmod(url.path, 0o600) }
        return "\"accessKeyId\": {\"file\": \"\(akid.path)\"}, \"secretAccessKey\": {\"file\": \"\(key.path)\"}"
    }
}

/// A mutex-protected value that closures can capture (a `Mutex` itself cannot be captured).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
