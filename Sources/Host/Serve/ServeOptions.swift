import Foundation
import Glibc

/// The command line of `xaas serve`, parsed and checked (see ``ServeCommand``).
struct ServeOptions {
    static let usage = "xaas serve [--config DIR] [--state DIR] [--state-url postgres://…] [--host-id NAME] [--lease-seconds N] [--listen HOST:PORT] [--jobs N] [--grace SECONDS] [--log-format text|json] [--log-level LEVEL] [--plugin-path DIR]…"

    var configPath: URL
    var stateDirectory: URL
    var stateURL: String?
    /// This host's name in leases (`--host-id`, default the hostname).
    var hostId: String
    /// A lease's time-to-live: a frozen or cut-off host loses its sources after this long.
    var leaseSeconds: Int
    var jobs: Int
    var grace: Int
    var log: LogWriter
    var listen: (host: String, port: Int)?
    var pluginPaths: [String]

    init(_ args: [String]) throws(UsageError) {
        let arguments = try Arguments(args, options: ["--config", "--state", "--state-url", "--host-id", "--lease-seconds",
                                                      "--listen", "--jobs", "--grace", "--log-format", "--log-level", "--plugin-path"],
                                      flags: [])
        _ = try arguments.positionals(exactly: [])
        jobs = try arguments.int("--jobs", in: 1...256) ?? 4
        grace = try arguments.int("--grace", in: 0...86_400) ?? 30
        leaseSeconds = try arguments.int("--lease-seconds", in: 3...3_600) ?? 30
        log = try arguments.logWriter()
        hostId = try arguments.value("--host-id") ?? Self.hostname()
        guard !hostId.isEmpty, hostId.count <= 200 else { throw UsageError("--host-id expects a name of 1 to 200 characters") }
        stateURL = try arguments.value("--state-url")
        if let text = try arguments.value("--listen") { listen = try Self.listenAddress(text) }
        configPath = try arguments.configDirectory()
        stateDirectory = try arguments.stateDirectory(config: configPath)
        pluginPaths = arguments.values("--plugin-path").map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    /// `HOST:PORT`, `[v6]:PORT`, or a bare port (loopback).
    static func listenAddress(_ text: String) throws(UsageError) -> (host: String, port: Int) {
        if let port = Int(text), (0...65_535).contains(port) { return ("127.0.0.1", port) }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65_535).contains(port), colon != text.startIndex else {
            throw UsageError("--listen expects HOST:PORT, e.g. 127.0.0.1:9464, got '\(text)'")
        }
        return (String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "xaas-\(getpid())" }
        return String(cString: buffer)
    }
}
