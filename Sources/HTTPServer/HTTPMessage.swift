import XaasText

/// A header list that keeps order and duplicates; look-ups are case-insensitive (RFC 9110 §5.1).
public struct HTTPHeaders: Sendable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init(_ fields: [(name: String, value: String)] = []) { self.fields = fields }

    /// The first value of `name`, case-insensitively.
    public subscript(name: String) -> String? {
        let lower = name.lowercased()
        return fields.first { $0.name.lowercased() == lower }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        let lower = name.lowercased()
        return fields.filter { $0.name.lowercased() == lower }.map(\.value)
    }

    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Replaces every field named `name` with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name, value))
    }

    public mutating func remove(_ name: String) {
        let lower = name.lowercased()
        fields.removeAll { $0.name.lowercased() == lower }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

/// One parsed HTTP/1.1 request.
public struct HTTPRequest: Sendable {
    /// `GET`, `POST`, … (as sent, upper-case by convention).
    public var method: String
    /// The request target as sent, e.g. `/api/v1/identity-sources/0oa1/sessions?x=1`.
    public var target: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The peer address, e.g. `127.0.0.1:53312` (informational).
    public var remoteAddress: String

    public init(method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                remoteAddress: String = "") {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The target without its query string, percent-decoding left to the caller.
    public var path: String {
        if let q = target.firstIndex(of: "?") { return String(target[..<q]) }
        return target
    }

    /// The query string after `?`, or "".
    public var query: String {
        if let q = target.firstIndex(of: "?") { return String(target[target.index(after: q)...]) }
        return ""
    }

    /// Query parameters, percent-decoded (`+` as space), in order.
    public var queryItems: [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = HTTPRequest.percentDecode(String(parts[0]))
            let value = parts.count > 1 ? HTTPRequest.percentDecode(String(parts[1])) : ""
            return (name, value)
        }
    }

    /// Decodes `%XX` escapes and `+` (as space); invalid escapes are kept literally.
    public static func percentDecode(_ s: String) -> String { PercentEncoding.decode(s, plusAsSpace: true) }
}

/// One HTTP response. The server adds `Content-Length`, `Date` and `Connection` itself when absent.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// When true the server writes nothing and closes the connection (fault injection: the client sees the
    /// connection dropped mid-request). Status, headers and body are ignored.
    public var dropsConnection: Bool = false

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response that is never sent: the server closes the connection instead (see ``dropsConnection``).
    public static var dropConnection: HTTPResponse {
        var response = HTTPResponse(status: 500)
        response.dropsConnection = true
        return response
    }

    /// A response with a JSON body (`Content-Type: application/json`).
    public static func json(_ status: Int, _ text: String, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var h = headers
        h.set("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: h, body: Array(text.utf8))
    }

    /// A plain-text response.
    public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(text.utf8))
    }
}

/// Something that answers requests. Called concurrently from the server's connection threads, so
/// implementations must be thread-safe.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) -> HTTPResponse
}

/// An ``HTTPHandler`` from a closure.
public struct ClosureHandler: HTTPHandler {
    let body: @Sendable (HTTPRequest) -> HTTPResponse
    public init(_ body: @escaping @Sendable (HTTPRequest) -> HTTPResponse) { self.body = body }
    public func handle(_ request: HTTPRequest) -> HTTPResponse { body(request) }
}
