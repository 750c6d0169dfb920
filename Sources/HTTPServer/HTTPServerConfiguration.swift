/// Limits and addresses for an ``HTTPServer``. Every limit answers with a status code rather than a crash.
public struct HTTPServerConfiguration: Sendable {
    /// The address to bind: an IPv4 or IPv6 literal (`"127.0.0.1"`, `"::1"`, `"[::1]"`) or `"localhost"`.
    /// Loopback by default; use `"0.0.0.0"` or `"::"` (dual-stack) only when asked to listen on every interface.
    public var host: String = "127.0.0.1"
    /// The TCP port; 0 picks a free one (read it back from ``HTTPServer/start()`` or ``HTTPServer/port``).
    public var port: Int = 0
    /// The largest request head (request line + header fields), and separately the largest trailer section
    /// of a chunked body. Past it the server answers 431 (414 when the request line alone is too long).
    public var maxHeaderBytes: Int = 64 * 1024
    /// The largest request body: a bigger `Content-Length`, or a chunked body growing past it, gets 413.
    public var maxBodyBytes: Int = 8 * 1024 * 1024
    /// The most connections served at once; a connection past it gets 503 and is closed.
    public var maxConnections: Int = 1024
    /// How long a keep-alive connection may sit idle between requests before the server closes it.
    public var idleTimeoutSeconds: Double = 30
    /// Once a request has begun: the time allowed to receive the whole request head (against slowloris),
    /// the longest wait for the next body bytes, and the longest a response write may stall. A head that
    /// is not complete in time gets 408.
    public var readTimeoutSeconds: Double = 10

    public init() {}
}
