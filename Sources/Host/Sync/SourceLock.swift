import Foundation
import Glibc

/// An exclusive, cross-process lock on one identity source (flock on a file in the state directory),
/// so two `xaas` processes never drive sessions of the same source at once. Released on deinit or
/// when the process dies.
public final class SourceLock {
    private let fd: Int32

    /// Takes the lock or throws a message naming the process that holds it.
    public init(stateDirectory: URL, tenant: String, source: String) throws {
        let dir = stateDirectory.appendingPathComponent("locks")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let path = dir.appendingPathComponent("\(tenant)__\(source).lock").path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SyncError("cannot open lock file \(path): \(String(cString: strerror(errno))); the state directory must be writable by the user running xaas") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, 31, 0)
            let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : "another process"
            close(fd)
            throw SyncError("\(tenant)/\(source) is being synced by another xaas process (pid \(holder)); it was not started twice")
        }
        _ = ftruncate(fd, 0)
        let pid = Array(String(getpid()).utf8)
        _ = pwrite(fd, pid, pid.count, 0)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// Runs blocking work on a dedicated thread (plugin calls and SQLite must not block the async pool).
func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
}

/// Carries a non-Sendable value into a dedicated thread that is its only user from then on.
struct UncheckedTransfer<Value>: @unchecked Sendable {
    var value: Value
}
