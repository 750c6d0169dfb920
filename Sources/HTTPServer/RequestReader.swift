import XaasText

/// Why a request could not be read. Each case maps to an error response (and a closed connection), or to a
/// silent close when the peer never began a request.
enum RequestError: Error, Equatable {
    /// The peer closed, the connection failed, or the server is stopping: close without a response.
    case closed
    /// The request head did not arrive in time: 408.
    case timedOut
    case bad(String)
    case headerTooLarge
    case uriTooLong
    case bodyTooLarge
    case versionNotSupported
    case notImplemented(String)
    case expectationFailed

    /// The response for this error, or `nil` for a silent close.
    var response: HTTPResponse? {
        switch self {
        case .closed: return nil
        case .timedOut: return .text(408, "request timed out\n")
        case .bad(let reason): return .text(400, "bad request: \(reason)\n")
        case .headerTooLarge: return .text(431, "request header fields too large\n")
        case .uriTooLong: return .text(414, "request line too long\n")
        case .bodyTooLarge: return .text(413, "request body too large\n")
        case .versionNotSupported: return .text(505, "only HTTP/1.0 and HTTP/1.1 are supported\n")
        case .notImplemented(let reason): return .text(501, "not implemented: \(reason)\n")
        case .expectationFailed: return .text(417, "only 'Expect: 100-continue' is supported\n")
        }
    }
}

/// A parsed request head: the request line and header fields.
struct RequestHead {
    var method: String
    var target: String
    /// The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1 (and any later 1.x).
    var minorVersion: Int
    var headers: HTTPHeaders
}

/// Reads requests from one connection: buffers bytes, parses heads, and de-frames bodies
/// (`Content-Length` or chunked). Owned by a single connection thread; not shared.
struct RequestReader {
    let fd: Int32
    let configuration: HTTPServerConfiguration
    /// Unread bytes are `buffer[start...]`.
    private var buffer: [UInt8] = []
    private var start = 0
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)

    init(fd: Int32, configuration: HTTPServerConfiguration) {
        self.fd = fd
        self.configuration = configuration
    }

    /// True when bytes of a next (pipelined) request are already buffered.
    var hasBufferedBytes: Bool { start < buffer.count }

    /// Reads more bytes, waiting until `deadline`. Throws `.timedOut` at the deadline, `.closed` at EOF/error.
    mutating func fill(deadline: Double) throws(RequestError) {
        guard Socket.waitReadable(fd, wake: nil, deadline: deadline) == .readable else { throw .timedOut }
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        let n = scratch.withUnsafeMutableBytes { Socket.receive(fd, into: $0) }
        guard n > 0 else { throw .closed }
        buffer.append(contentsOf: scratch[0..<n])
    }

    /// Reads one line (ending in LF, an optional CR before it stripped). `budget` is how many bytes, LF
    /// included, the line may take; past it `tooLong` is thrown.
    private mutating func readLine(budget: Int, deadline: () -> Double,
                                   tooLong: RequestError) throws(RequestError) -> ArraySlice<UInt8> {
        var scanned = start
        while true {
            if let lf = buffer[scanned...].firstIndex(of: 0x0A) {
                guard lf - start + 1 <= budget else { throw tooLong }
                var end = lf
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[start..<end]
                start = lf + 1
                return line
            }
            scanned = buffer.count
            guard buffer.count - start < budget else { throw tooLong }
            let offset = scanned - start
            try fill(deadline: deadline())
            scanned = start + offset
        }
    }

    /// Reads the next request head. `deadline` bounds the whole head (slowloris).
    mutating func readHead(deadline: Double) throws(RequestError) -> RequestHead {
        var budget = configuration.maxHeaderBytes
        var line: ArraySlice<UInt8>
        // RFC 9112 §2.2: ignore empty lines before the request line.
        var emptyLines = 0
        repeat {
            line = try readLine(budget: budget, deadline: { deadline }, tooLong: .uriTooLong)
            budget -= line.count + 2
            emptyLines += 1
            if emptyLines > 8 { throw .bad("too many empty lines before the request line") }
        } while line.isEmpty
        var head = try Self.parseRequestLine(line)
        while true {
            let field = try readLine(budget: budget, deadline: { deadline }, tooLong: .headerTooLarge)
            budget -= field.count + 2
            if field.isEmpty { break }
            let (name, value) = try Self.parseField(field)
            head.headers.add(name, value)
        }
        // RFC 9112 §3.2: exactly one Host in HTTP/1.1, at most one in HTTP/1.0.
        let hosts = head.headers.values("Host")
        if hosts.isEmpty, head.minorVersion >= 1 { throw .bad("missing Host header (required in HTTP/1.1)") }
        if hosts.count > 1 { throw .bad("more than one Host header") }
        return head
    }

    static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(RequestError) -> RequestHead {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .bad("the request line must be 'METHOD target HTTP/1.1'") }
        guard !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte) else { throw .bad("invalid method") }
        guard !parts[1].isEmpty, parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .bad("invalid request target")
        }
        let version = Array(parts[2])
        guard version.count == 8, version.starts(with: Array("HTTP/".utf8)), version[6] == UInt8(ascii: "."),
              isDigit(version[5]), isDigit(version[7]) else { throw .bad("invalid HTTP version") }
        guard version[5] == UInt8(ascii: "1") else { throw .versionNotSupported }
        return RequestHead(method: String(decoding: parts[0], as: UTF8.self),
                           target: originForm(String(decoding: parts[1], as: UTF8.self)),
                           minorVersion: version[7] == UInt8(ascii: "0") ? 0 : 1, headers: HTTPHeaders())
    }

    /// An absolute-form target (`http://host/path?q`, RFC 9112 §3.2.2) reduced to its origin form
    /// (`/path?q`) so handlers route on one shape; other targets are returned unchanged.
    static func originForm(_ target: String) -> String {
        let lower = target.prefix(8).lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return target }
        let afterScheme = target[target.index(target.firstIndex(of: ":")!, offsetBy: 3)...]
        guard let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
        let rest = afterScheme[slash...]
        return rest.hasPrefix("?") ? "/" + rest : String(rest)
    }

    /// Parses `name: value` (RFC 9110 §5): a token name, no space before the colon, no control characters.
    static func parseField(_ line: ArraySlice<UInt8>) throws(RequestError) -> (String, String) {
        guard let first = line.first, first != 0x20, first != 0x09 else {
            throw .bad("obsolete header line folding is not accepted")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .bad("header line without ':'") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else { throw .bad("invalid header field name") }
        var value = line[(colon + 1)...]
        while let b = value.first, b == 0x20 || b == 0x09 { value = value.dropFirst() }
        while let b = value.last, b == 0x20 || b == 0x09 { value = value.dropLast() }
        let nameText = String(decoding: name, as: UTF8.self)
        guard value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
            throw .bad("invalid character in header field '\(nameText)'")
        }
        return (nameText, String(decoding: value, as: UTF8.self))
    }

    /// Reads exactly `count` body bytes; each wait for more is bounded by the read timeout.
    mutating func readBody(count: Int) throws(RequestError) -> [UInt8] {
        while buffer.count - start < count {
            try fill(deadline: Socket.now() + configuration.readTimeoutSeconds)
        }
        let body = Array(buffer[start..<(start + count)])
        start += count
        return body
    }

    /// Reads a chunked body (RFC 9112 §7.1): chunk extensions are ignored, trailer fields are read
    /// (within `maxHeaderBytes`) and discarded.
    mutating func readChunkedBody() throws(RequestError) -> [UInt8] {
        var body: [UInt8] = []
        let gap = configuration.readTimeoutSeconds
        while true {
            let line = try readLine(budget: 4096, deadline: { Socket.now() + gap },
                                    tooLong: .bad("chunk size line longer than 4096 bytes"))
            let size = try Self.parseChunkSize(line, room: configuration.maxBodyBytes - body.count)
            if size == 0 { break }
            body += try readBody(count: size)
            let end = try readLine(budget: 2, deadline: { Socket.now() + gap },
                                   tooLong: .bad("chunk data not followed by CRLF"))
            guard end.isEmpty else { throw .bad("chunk data not followed by CRLF") }
        }
        var budget = configuration.maxHeaderBytes
        while true {
            let field = try readLine(budget: budget, deadline: { Socket.now() + gap }, tooLong: .headerTooLarge)
            budget -= field.count + 2
            if field.isEmpty { break }
            _ = try Self.parseField(field)
        }
        return body
    }

    /// Parses `1*HEXDIG [ BWS ; chunk-ext ]`; a size beyond `room` throws `.bodyTooLarge`.
    static func parseChunkSize(_ line: ArraySlice<UInt8>, room: Int) throws(RequestError) -> Int {
        var size = 0
        var index = line.startIndex
        while index < line.endIndex, let digit = hexValue(line[index]) {
            if size > (Int.max - 15) / 16 { throw .bodyTooLarge }
            size = size * 16 + Int(digit)
            index += 1
        }
        guard index > line.startIndex else { throw .bad("invalid chunk size") }
        let rest = line[index...].drop { $0 == 0x20 || $0 == 0x09 }
        guard rest.isEmpty || rest.first == UInt8(ascii: ";") else { throw .bad("invalid chunk size") }
        guard rest.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else {
            throw .bad("invalid character in chunk extension")
        }
        guard size <= room else { throw .bodyTooLarge }
        return size
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    static func hexValue(_ b: UInt8) -> UInt8? { PercentEncoding.hexValue(b) }

    /// RFC 9110 §5.6.2 `tchar`.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x21, 0x23...0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E...0x60, 0x7C, 0x7E: return true  // !#$%&'*+-.^_`|~
        default: return false
        }
    }
}
