import Foundation
import Glibc
@testable import Host

/// A throwaway PostgreSQL 15 cluster for the tests: `initdb` in a temporary directory and `pg_ctl start` on
/// a free loopback port, as an unprivileged user when the tests run as root (initdb refuses root; CI creates
/// the `xaaspg` user). Started once per test process; stopped (`pg_ctl stop -m immediate`) at exit.
/// Each test gets its own database (``makeDatabase(_:)``).
final class PostgresCluster: Sendable {
    static let binDirectory = ProcessInfo.processInfo.environment["XAAS_PG_BIN"] ?? "/usr/lib/postgresql/15/bin"
    static let user = "xaaspg"

    /// Why the cluster cannot run here, or `nil` when it can.
    static let unavailable: String? = {
        guard FileManager.default.isExecutableFile(atPath: binDirectory + "/initdb"),
              FileManager.default.isExecutableFile(atPath: binDirectory + "/pg_ctl") else {
            return "PostgreSQL server binaries not found in \(binDirectory) (apt-get install postgresql-15, or set XAAS_PG_BIN)"
        }
        if getuid() == 0 && getpwnam(user) == nil {
            return "running as root and user \(user) is missing (useradd -r \(user)); initdb refuses root"
        }
        return nil
    }()

    static let shared: PostgresCluster? = {
        guard unavailable == nil else { return nil }
        do { return try PostgresCluster() } catch {
            FileHandle.standardError.write(Data("PostgresCluster: \(error)\n".utf8))
            return nil
        }
    }()

    let directory: URL
    let port: Int

    struct Failure: Error, CustomStringConvertible { var description: String }

    private init() throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("xaas-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = Self.freePort()
        if getuid() == 0, let pw = getpwnam(Self.user) {
            chown(directory.path, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        let data = directory.appendingPathComponent("data").path
        try Self.runAsOwner([Self.binDirectory + "/initdb", "-D", data, "-A", "trust", "-U", "xaas", "-E", "UTF8",
                             "--locale=C", "--no-sync"])
        try Self.runAsOwner([Self.binDirectory + "/pg_ctl", "-D", data, "-l", directory.appendingPathComponent("log").path,
                             "-w", "-t", "60", "-o",
                             "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                             "start"])
        let stop = "\(Self.binDirectory)/pg_ctl -D \(data) -m immediate stop"
        let owner = getuid() == 0 ? "runuser -u \(Self.user) -- \(stop)" : stop
        Self.stopCommand.withLock { $0 = "\(owner) >/dev/null 2>&1; rm -rf '\(directory.path)'" }
        atexit {
            let command = PostgresCluster.stopCommand.withLock { $0 }
            if !command.isEmpty { _ = system(command) }
        }
    }

    private static let stopCommand = NSLockedString()

    /// The conninfo of database `name` (the superuser `xaas`, trust authentication on loopback).
    func conninfo(_ database: String = "postgres") -> String {
        "postgresql://xaas@127.0.0.1:\(port)/\(database)?connect_timeout=10"
    }

    /// Creates a fresh database and returns its conninfo.
    func makeDatabase(_ prefix: String = "t") throws -> String {
        let name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(conninfo: conninfo())
        try admin.execute("CREATE DATABASE \(name)")
        return conninfo(name)
    }

    /// Runs `argv` (as ``user`` when root) with `system` (a plain fork/wait: Foundation's `Process` waits
    /// on a run loop, which the test's cooperative threads may never turn).
    private static func runAsOwner(_ argv: [String]) throws {
        let outputPath = NSTemporaryDirectory() + "xaas-pg-cmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let quoted = argv.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let prefix = getuid() == 0 ? "/usr/sbin/runuser -u \(user) -- " : ""
        let status = system("\(closeInheritedDescriptors)\(prefix)\(quoted) </dev/null >\(outputPath) 2>&1")
        guard status == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw Failure(description: "\(argv[0]) failed (status \(status)): \(text.suffix(800))")
        }
    }

    /// Runs the rest of the command line with every descriptor above 2 closed. `system` forks this test process,
    /// whose other tests hold pipes to their own children (a moto server waits for EOF on its stdin): a
    /// daemon started with their write ends open would hold them for the whole run.
    private static let closeInheritedDescriptors =
        #"/bin/bash -c 'for f in /proc/$$/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done; exec "$@"' closefds "#

    /// A free loopback TCP port (bound and released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A string behind a lock (the atexit handler's stop command).
final class NSLockedString: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    func withLock<T>(_ body: (inout String) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(&value) }
}
