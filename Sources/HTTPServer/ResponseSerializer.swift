#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns an ``HTTPResponse`` into bytes on the wire: the status line, the handler's header fields
/// (sanitised), and the `Date`, `Content-Length` and `Connection` fields the server adds. Stateless.
enum ResponseSerializer {
    /// The head (status line + fields + blank line) and whether a body follows it.
    /// - Parameters:
    ///   - isHead: the request was `HEAD`: the length of the would-be body is advertised, no body is sent.
    ///   - keepAlive: the connection stays open after this response.
    static func head(for response: HTTPResponse, isHead: Bool, keepAlive: Bool) -> (bytes: [UInt8], sendsBody: Bool) {
        let status = (100...599).contains(response.status) ? response.status : 500
        let bodyless = status < 200 || status == 204 || status == 304
        var headers = HTTPHeaders()
        for field in response.headers {
            // Names that are not tokens are dropped; CR, LF and NUL in values become spaces (no response splitting).
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(RequestReader.isTokenByte) else { continue }
            let value = String(decoding: field.value.utf8.map { $0 == 0x0D || $0 == 0x0A || $0 == 0 ? 0x20 : $0 },
                               as: UTF8.self)
            headers.add(field.name, value)
        }
        headers.remove("Transfer-Encoding")  // the server always frames with Content-Length
        if headers["Date"] == nil { headers.add("Date", httpDate()) }
        if status < 200 || status == 204 {
            headers.remove("Content-Length")
        } else if status == 304 {
            // Keeps the handler's Content-Length (the length of the representation), adds none.
        } else if !isHead || headers["Content-Length"] == nil {
            headers.set("Content-Length", String(response.body.count))  // the real body length wins
        }
        if !keepAlive {
            headers.set("Connection", "close")
        } else if headers["Connection"] == nil {
            headers.add("Connection", "keep-alive")
        }
        var text = "HTTP/1.1 \(status) \(reasonPhrase(status))\r\n"
        for field in headers { text += "\(field.name): \(field.value)\r\n" }
        text += "\r\n"
        return (Array(text.utf8), !bodyless && !isHead)
    }

    /// The current time as an RFC 9110 IMF-fixdate (RFC 1123 in GMT), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ seconds: Int? = nil) -> String {
        var t = time_t(seconds ?? Int(time(nil)))
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(1900 + parts.tm_year) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    /// The standard reason phrase for `status` (informational only; clients ignore it).
    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }
}
