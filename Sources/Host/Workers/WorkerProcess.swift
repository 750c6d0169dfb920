import Foundation
import Glibc
import Synchronization

/// One child process of this same binary (`xaas __worker`), spawned with `posix_spawn` in its own
/// process group (a Ctrl-C on the terminal reaches the parent only, which decides what happens to
/// workers), with default signal dispositions and three pipes: the job on stdin, the result on stdout,
/// log lines on stderr.
///
/// Threading: ``run(input:timeoutSeconds:onLine:)`` may be called once; it blocks no Swift concurrency
/// thread (readers and the waiter are dedicated threads). ``kill(_:)`` may be called from any thread.
/// `state` (a `Mutex`) guards the pid and whether the child has been reaped, so a signal is never sent
/// to a reaped (possibly reused) pid.
final class WorkerProcess: Sendable {
    /// How the child ended.
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    struct Outcome: Sendable {
        var termination: Termination
        var stdout: [UInt8]
        var timedOut: Bool
        var durationMs: Int
    }

    private struct State {
        var pid: pid_t = 0
        var reaped = false
        var timedOut = false
    }

    private let state = Mutex(State())
    private static let spawnLock = Mutex(())
    /// Writing the job to a worker that already died must give EPIPE, not kill the parent.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
    let executable: String
    let arguments: [String]

    init(executable: String = WorkerProcess.selfExecutable, arguments: [String] = [WorkerCommand.name]) {
        self.executable = executable
        self.arguments = arguments
    }

    /// This program's own executable.
    static var selfExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Sends `signal` to the child if it is still running.
    func kill(_ signal: Int32) {
        state.withLock { s in
            if s.pid > 0 && !s.reaped { _ = Glibc.kill(s.pid, signal) }
        }
    }

    /// Spawns the child, writes `input` to its stdin, streams its stderr to `onLine` line by line, and
    /// returns when it has exited and both pipes are drained. Past `timeoutSeconds` the child is killed
    /// (SIGKILL) and the outcome says `timedOut`.
    func run(input: [UInt8], timeoutSeconds: Double?, onLine: @escaping @Sendable (String) -> Void) async throws -> Outcome {
        let started = Date()
        _ = Self.ignoreSIGPIPE
        let (pid, inputFD, outFD, errFD) = try spawn()
        // The job is small (well under a pipe buffer); a child that died early gives EPIPE, ignored here.
        input.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(inputFD, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                offset += n
            }
        }
        close(inputFD)

        if let timeoutSeconds {
            DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds) { [self] in
                state.withLock { s in
                    if !s.reaped { s.timedOut = true; _ = Glibc.kill(s.pid, SIGKILL) }
                }
            }
        }
        let child = pid
        return await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                let group = DispatchGroup()
                nonisolated(unsafe) var stdout: [UInt8] = []
                group.enter()
                Thread.detachNewThread {
                    stdout = Self.readAll(outFD)
                    group.leave()
                }
                group.enter()
                Thread.detachNewThread {
                    Self.readLines(errFD, onLine)
                    group.leave()
                }
                var status: Int32 = 0
                while waitpid(child, &status, 0) < 0 && errno == EINTR {}
                // Whatever the worker left behind in its process group (a connector's child, a crash
                // backtracer) would hold the pipes open and keep us waiting for their EOF forever.
                _ = Glibc.kill(-child, SIGKILL)
                let timedOut = state.withLock { s -> Bool in s.reaped = true; return s.timedOut }
                group.wait()
                close(outFD); close(errFD)
                let termination: Termination = (status & 0x7f) == 0
                    ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
                continuation.resume(returning: Outcome(
                    termination: termination, stdout: stdout, timedOut: timedOut,
                    durationMs: Int(Date().timeIntervalSince(started) * 1000)))
            }
            thread.start()
        }
    }

    /// Creates the pipes and spawns the child; returns its pid and the parent's ends (stdin, stdout, stderr).
    /// Pipes are made close-on-exec under a process-wide lock held until the spawn, so a worker spawned
    /// concurrently never inherits another worker's pipe (which would hold that worker's EOF back).
    private func spawn() throws -> (pid: pid_t, input: Int32, output: Int32, errors: Int32) {
        try Self.spawnLock.withLock { _ throws -> (pid_t, Int32, Int32, Int32) in
            var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
            func makePipe(_ fds: inout [Int32]) -> Bool {
                guard pipe(&fds) == 0 else { return false }
                for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                return true
            }
            guard makePipe(&inPipe), makePipe(&outPipe), makePipe(&errPipe) else {
                throw WorkerError("cannot create pipes for a worker: \(String(cString: strerror(errno)))")
            }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], STDIN_FILENO)
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], STDOUT_FILENO)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], STDERR_FILENO)
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var defaults = sigset_t(), empty = sigset_t()
            sigemptyset(&empty)
            sigemptyset(&defaults)
            for s in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, s) }
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setsigmask(&attributes, &empty)
            posix_spawnattr_setpgroup(&attributes, 0)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

            let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
            defer { for p in argv { free(p) } }
            var pid: pid_t = 0
            let spawned = state.withLock { s -> Int32 in
                let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
                s.pid = rc == 0 ? pid : 0
                return rc
            }
            close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
            guard spawned == 0 else {
                close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
                throw WorkerError("cannot start a worker (\(executable)): \(String(cString: strerror(spawned)))")
            }
            return (pid, inPipe[1], outPipe[0], errPipe[0])
        }
    }

    private static func readAll(_ fd: Int32) -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return data }
            data += buffer[0..<n]
        }
    }

    private static func readLines(_ fd: Int32, _ onLine: (String) -> Void) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending += buffer[0..<n]
            while let newline = pending.firstIndex(of: 10) {
                onLine(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { onLine(String(decoding: pending, as: UTF8.self)) }
    }
}
