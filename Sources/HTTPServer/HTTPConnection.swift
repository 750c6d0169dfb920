/// Serves one accepted connection on its own thread: reads requests one after another (keep-alive and
/// pipelining), calls the handler, writes responses, and closes the socket when done. The descriptor is
/// owned by this connection alone and closed exactly once, here.
struct HTTPConnection {
    let fd: Int32
    let remoteAddress: String
    let core: ServerCore
    private var reader: RequestReader

    init(fd: Int32, remoteAddress: String, core: ServerCore) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.core = core
        self.reader = RequestReader(fd: fd, configuration: core.configuration)
    }

    /// Serves requests until the peer closes, an error, the idle timeout, or server shutdown; then closes.
    mutating func run() {
        let configuration = core.configuration
        Socket.configureConnection(fd, sendTimeout: configuration.readTimeoutSeconds)
        while true {
            if !reader.hasBufferedBytes {
                if core.isStopping { return Socket.quickClose(fd) }
                let idleDeadline = Socket.now() + configuration.idleTimeoutSeconds
                guard Socket.waitReadable(fd, wake: core.wakeRead, deadline: idleDeadline) == .readable else {
                    return Socket.quickClose(fd)
                }
            }
            let start = ThreadCPUClock.nanoseconds()
            let keepOpen = serveOne()
            core.requestCPUNanoseconds.add(ThreadCPUClock.nanoseconds() &- start, ordering: .relaxed)
            if !keepOpen {
                return Socket.lingeringClose(fd, seconds: 2)
            }
        }
    }

    /// Reads, handles and answers one request. Returns whether the connection may stay open.
    private mutating func serveOne() -> Bool {
        let request: HTTPRequest
        let head: RequestHead
        do throws(RequestError) {
            head = try reader.readHead(deadline: Socket.now() + core.configuration.readTimeoutSeconds)
            let body = try readBody(for: head)
            request = HTTPRequest(method: head.method, target: head.target, headers: head.headers, body: body,
                                  remoteAddress: remoteAddress)
        } catch {
            if let response = error.response { _ = write(response, isHead: false, keepAlive: false) }
            return false
        }
        let tokens = head.headers.values("Connection").flatMap(Self.tokens)
        var keepAlive = head.minorVersion >= 1 ? !tokens.contains("close") : tokens.contains("keep-alive")
        let response = core.handler.handle(request)
        if response.dropsConnection { return false }
        if response.headers.values("Connection").flatMap(Self.tokens).contains("close") || core.isStopping {
            keepAlive = false
        }
        return write(response, isHead: head.method == "HEAD", keepAlive: keepAlive) && keepAlive
    }

    /// De-frames the body (RFC 9112 §6): chunked, `Content-Length`, or none; answers `Expect: 100-continue`.
    private mutating func readBody(for head: RequestHead) throws(RequestError) -> [UInt8] {
        let limit = core.configuration.maxBodyBytes
        let encodings = head.headers.values("Transfer-Encoding")
        let lengths = head.headers.values("Content-Length")
        var chunked = false
        var length = 0
        if !encodings.isEmpty {
            guard lengths.isEmpty else { throw .bad("both Content-Length and Transfer-Encoding are present") }
            guard head.minorVersion >= 1 else { throw .bad("Transfer-Encoding in an HTTP/1.0 request") }
            let codings = encodings.flatMap(Self.tokens)
            guard codings.last == "chunked" else { throw .bad("Transfer-Encoding must end with 'chunked'") }
            guard !codings.dropLast().contains("chunked") else { throw .bad("'chunked' applied more than once") }
            guard codings.count == 1 else {
                throw .notImplemented("transfer coding '\(codings.dropLast().joined(separator: ", "))'")
            }
            chunked = true
        } else if !lengths.isEmpty {
            let values = lengths.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map { $0.trimmingSpaces }
            guard let first = values.first, values.allSatisfy({ $0 == first }),
                  !first.isEmpty, first.utf8.allSatisfy(RequestReader.isDigit) else {
                throw .bad("invalid Content-Length")
            }
            guard let value = Int(first), value <= limit else { throw .bodyTooLarge }
            length = value
        }
        // RFC 9110 §10.1.1: answer 100-continue before reading the body; HTTP/1.0 expectations are ignored.
        if head.minorVersion >= 1, let expect = head.headers["Expect"] {
            guard expect.trimmingSpaces.lowercased() == "100-continue" else { throw .expectationFailed }
            if chunked || length > 0, !reader.hasBufferedBytes {
                guard Socket.sendAll(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { throw .closed }
            }
        }
        if chunked { return try reader.readChunkedBody() }
        return try reader.readBody(count: length)
    }

    /// Writes the response; false when the peer went away.
    private func write(_ response: HTTPResponse, isHead: Bool, keepAlive: Bool) -> Bool {
        let (head, sendsBody) = ResponseSerializer.head(for: response, isHead: isHead, keepAlive: keepAlive)
        guard sendsBody, !response.body.isEmpty else { return Socket.sendAll(fd, head) }
        if response.body.count <= 16 * 1024 { return Socket.sendAll(fd, head + response.body) }
        return Socket.sendAll(fd, head) && Socket.sendAll(fd, response.body)
    }

    /// The lower-cased, trimmed, comma-separated tokens of a list-valued field (`Connection`, `Transfer-Encoding`).
    static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingSpaces.lowercased() }.filter { !$0.isEmpty }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (HTTP optional whitespace).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
