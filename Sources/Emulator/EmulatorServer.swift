import HTTPServer

/// An ``Emulator`` served over HTTP on this machine (the `xaas emulator` command and the sync engine's embedded mode).
///
/// Dropped connections (fault `drop`): the server reads the request and closes the socket without answering
/// (``HTTPResponse/dropsConnection``). In-process callers of ``Emulator/handle(_:)`` still see the marked
/// 503 E0000010 with `Connection: close` and `X-Emulator-Drop: 1`.
public final class EmulatorServer: Sendable {
    public let emulator: Emulator
    private let server: HTTPServer

    private init(emulator: Emulator, server: HTTPServer) {
        self.emulator = emulator
        self.server = server
    }

    /// Starts serving `emulator` on `host:port` (port 0 picks a free port).
    public static func start(emulator: Emulator, host: String = "127.0.0.1", port: Int = 0) throws -> EmulatorServer {
        var configuration = HTTPServerConfiguration()
        configuration.host = host
        configuration.port = port
        let server = HTTPServer(configuration: configuration, handler: emulator)
        try server.start()
        return EmulatorServer(emulator: emulator, server: server)
    }

    /// The bound port.
    public var port: Int { server.port }

    /// CPU time (seconds) spent serving requests (``HTTPServer/requestCPUSeconds``).
    public var requestCPUSeconds: Double { server.requestCPUSeconds }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { server.baseURL }

    /// Stops the HTTP server, then the emulator (flushing its state file).
    public func stop() {
        server.stop()
        emulator.shutdown()
    }
}
