import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `{"command": ["program", "arg", …]}` secret form, shared by the host (Okta tokens and keys) and
/// PluginKit (connector credentials): runs a program directly — no shell, so no quoting or injection
/// issues — with stdin closed and a timeout; its standard output, minus one trailing newline, is the
/// secret (Vault, cloud secret managers, `pass`…).
///
/// A program without a `/` is looked up on `PATH`. Standard error is discarded, never shown: it may echo
/// the secret. Output larger than ``maximumOutputBytes`` is refused. On timeout the program (and its
/// process group) is killed. Errors (``SecretCommandError``) name the program and the exit status,
/// signal or timeout, never any output. Immutable value type; `run` blocks the calling thread.
public struct SecretCommand: Sendable, Equatable {
    /// The program and its arguments.
    public var arguments: [String]
    /// Seconds the program may run before it is killed.
    public var timeoutSeconds: Double
    /// Largest accepted output (a secret, key or JWK is far smaller).
    public var maximumOutputBytes: Int

    public init(arguments: [String], timeoutSeconds: Double = 30, maximumOutputBytes: Int = 1 << 20) {
        self.arguments = arguments
        self.timeoutSeconds = timeoutSeconds
        self.maximumOutputBytes = maximumOutputBytes
    }

    /// The program as shown in messages: its first argument (a path or a name), never the others, which
    /// may hold paths of secrets but are not needed to act on an error.
    public var program: String { arguments.first ?? "" }

    /// Runs the program and returns its output. With `multiline` (PEM keys, JWKs) the output may hold
    /// several lines; otherwise exactly one non-empty line.
    public func run(multiline: Bool = false) throws(SecretCommandError) -> String {
        let executable = try locate()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw .couldNotStart(program: program, reason: "\(error.localizedDescription)") }
        let collector = OutputCollector(handle: output.fileHandleForReading, limit: maximumOutputBytes)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline && !collector.overflowed { usleep(5_000) }
        if process.isRunning {
            Self.kill(process)
            throw collector.overflowed ? .outputTooLarge(program: program, limit: maximumOutputBytes)
                                       : .timedOut(program: program, seconds: timeoutSeconds)
        }
        guard process.terminationReason == .exit else {
            throw .killedBySignal(program: program, signal: process.terminationStatus)
        }
        guard process.terminationStatus == 0 else { throw .exited(program: program, status: process.terminationStatus) }
        guard let data = collector.finish(timeoutSeconds: 2) else {
            // The program exited but something it started still holds its output open.
            throw .timedOut(program: program, seconds: timeoutSeconds)
        }
        if collector.overflowed { throw .outputTooLarge(program: program, limit: maximumOutputBytes) }
        guard var text = String(data: data, encoding: .utf8) else { throw .notUTF8(program: program) }
        if text.hasSuffix("\n") { text.removeLast() }  // "\r\n" is one Character
        guard !text.isEmpty else { throw .emptyOutput(program: program) }
        guard multiline || !text.contains("\n") else { throw .multipleLines(program: program) }
        return text
    }

    /// The executable's path: `program` itself when it holds a `/`, else the first match on `PATH`.
    private func locate() throws(SecretCommandError) -> String {
        let name = program
        guard !name.isEmpty else { throw .notFound(program: name, onPath: false) }
        if name.contains("/") {
            guard FileManager.default.fileExists(atPath: name) else { throw .notFound(program: name, onPath: false) }
            guard access(name, X_OK) == 0 else { throw .notExecutable(program: name) }
            return name
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw .notFound(program: name, onPath: true)
    }

    /// SIGKILL to the program and to its process group (a script's children), then reaps it.
    private static func kill(_ process: Process) {
        let pid = process.processIdentifier
        _ = Glibc.kill(-pid, SIGKILL)
        _ = Glibc.kill(pid, SIGKILL)
        process.waitUntilExit()
    }
}

/// Why a secret command gave no secret. Messages name the program, never its output.
public enum SecretCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(program: String, onPath: Bool)
    case notExecutable(program: String)
    case couldNotStart(program: String, reason: String)
    case timedOut(program: String, seconds: Double)
    case exited(program: String, status: Int32)
    case killedBySignal(program: String, signal: Int32)
    case outputTooLarge(program: String, limit: Int)
    case notUTF8(program: String)
    case emptyOutput(program: String)
    case multipleLines(program: String)

    public var description: String {
        switch self {
        case .notFound(let p, true): return "secret command \(p): program not found on PATH"
        case .notFound(let p, false): return "secret command \(p): program not found"
        case .notExecutable(let p): return "secret command \(p): the program is not executable"
        case .couldNotStart(let p, let reason): return "secret command \(p): could not start (\(reason))"
        case .timedOut(let p, let s): return "secret command \(p): did not finish within \(Int(s)) s (killed)"
        case .exited(let p, let status):
            return "secret command \(p): exited with status \(status) (its output and error output are not shown)"
        case .killedBySignal(let p, let signal): return "secret command \(p): killed by signal \(signal)"
        case .outputTooLarge(let p, let limit): return "secret command \(p): printed more than \(limit) bytes"
        case .notUTF8(let p): return "secret command \(p): its output is not UTF-8 text"
        case .emptyOutput(let p): return "secret command \(p): printed nothing"
        case .multipleLines(let p): return "secret command \(p): must print exactly one line"
        }
    }
}

/// Drains the pipe on a background thread (so a chatty program cannot block on a full pipe), keeping at
/// most `limit` bytes.
private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var tooLarge = false
    private let done = DispatchSemaphore(value: 0)

    /// Keeps `handle` (and so its descriptor) alive until the pipe is drained.
    init(handle: FileHandle, limit: Int) {
        Thread.detachNewThread { [self] in
            let fd = handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                lock.lock()
                if data.count + n > limit { tooLarge = true } else { data.append(contentsOf: buffer[0..<n]) }
                let stop = tooLarge
                lock.unlock()
                if stop { break }
            }
            done.signal()
        }
    }

    var overflowed: Bool { lock.lock(); defer { lock.unlock() }; return tooLarge }

    /// Everything read, once the pipe is closed; nil when it stays open longer than `timeoutSeconds`.
    func finish(timeoutSeconds: Double) -> Data? {
        guard done.wait(timeout: .now() + timeoutSeconds) == .success else { return nil }
        lock.lock(); defer { lock.unlock() }
        return data
    }
}
