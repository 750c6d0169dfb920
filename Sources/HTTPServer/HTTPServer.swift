import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 server on POSIX sockets: keep-alive, pipelining, `Content-Length` and chunked request
/// bodies, `Expect: 100-continue`, limits answered with 413/431/503, and a bounded graceful ``stop()``.
///
/// Threading: ``start()`` runs an accept loop on its own thread and serves each connection on a thread of
/// its own (at most `maxConnections`). The handler is therefore called concurrently from many threads and
/// must be thread-safe. All methods of this class may be called from any thread.
///
/// ```swift
/// let server = HTTPServer(handler: ClosureHandler { _ in .text(200, "ok\n") })
/// let port = try server.start()      // 127.0.0.1, a free port
/// defer { server.stop() }
/// ```
public final class HTTPServer: Sendable {
    private enum Phase {
        case ready
        case running(ServerCore)
        /// Keeps the core of a stopped server so ``activeConnections`` can report stragglers.
        case stopped(ServerCore?)
    }

    private let configuration: HTTPServerConfiguration
    private let handler: any HTTPHandler
    /// Guards the lifecycle phase and the bound port.
    private let state = Mutex<(phase: Phase, port: Int)>((.ready, 0))

    /// A server that will answer with `handler` once started.
    public init(configuration: HTTPServerConfiguration = .init(), handler: any HTTPHandler) {
        self.configuration = configuration
        self.handler = handler
    }

    /// Stops the server if it is still running.
    deinit { stop() }

    /// Binds and listens, then accepts on a background thread. Returns the bound port (the free port picked
    /// when the configuration asks for port 0). A server starts once; a second call throws.
    @discardableResult
    public func start() throws -> Int {
        try state.withLock { state throws(HTTPServerError) -> Int in
            guard case .ready = state.phase else { throw .alreadyStarted }
            let (listener, port) = try Socket.listen(host: configuration.host, port: configuration.port,
                                                     backlog: Int32(min(max(configuration.maxConnections, 16), 4096)))
            var pipeFds: [Int32] = [-1, -1]
            guard pipe(&pipeFds) == 0 else {
                let code = errno
                close(listener)
                throw .system(operation: "pipe for", address: configuration.host, code: code)
            }
            for fd in pipeFds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            let core = ServerCore(configuration: configuration, handler: handler, listener: listener,
                                  wake: (pipeFds[0], pipeFds[1]))
            guard DetachedThread.start({ core.acceptLoop() }) else {
                throw .system(operation: "start the accept thread for", address: configuration.host, code: EAGAIN)
            }
            state.phase = .running(core)
            state.port = port
            return port
        }
    }

    /// The bound port (0 before ``start()``).
    public var port: Int { state.withLock { $0.port } }

    /// `http://host:port` for clients on this machine: a wildcard host becomes the loopback address.
    public var baseURL: String {
        var host = configuration.host
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "0.0.0.0" || host == "localhost" { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        return host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// How many connections are open right now (for metrics and tests); after ``stop()``, those still
    /// finishing (0 once `stop()` returned in time).
    public var activeConnections: Int {
        core?.connections.withLock { $0 } ?? 0
    }

    /// The running server's core, or the stopped one's (`nil` before ``start()``).
    private var core: ServerCore? {
        state.withLock { state in
            switch state.phase {
            case .ready: return nil
            case .running(let core): return core
            case .stopped(let core): return core
            }
        }
    }

    /// CPU time (seconds) this server's connection threads spent reading, handling and answering requests
    /// since it started (for `xaas bench`, whose process also runs the client).
    public var requestCPUSeconds: Double {
        Double(core?.requestCPUNanoseconds.load(ordering: .relaxed) ?? 0) / 1e9
    }

    /// Stops accepting and frees the port, closes idle keep-alive connections, lets in-flight requests
    /// finish (their responses carry `Connection: close`), and returns once every connection is closed or
    /// after 5 seconds, whichever comes first. Safe to call more than once, and from any thread.
    public func stop() {
        let core: ServerCore? = state.withLock { state in
            switch state.phase {
            case .ready:
                state.phase = .stopped(nil)
                return nil
            case .running(let core):
                state.phase = .stopped(core)
                return core
            case .stopped:
                return nil
            }
        }
        guard let core else { return }
        core.beginStop()
        let deadline = Socket.now() + 5
        while !core.acceptExited.load(ordering: .acquiring), Socket.now() < deadline { usleep(1000) }
        if core.acceptExited.load(ordering: .acquiring) { core.closeListener() }
        while core.connections.withLock({ $0 }) > 0, Socket.now() < deadline { usleep(2000) }
    }
}
