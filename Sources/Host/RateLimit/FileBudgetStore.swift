import Foundation
import Glibc
import Synchronization

/// A budget shared by every xaas process of one state directory: `<state>/ratelimit/<tenant>.json`,
/// updated under an exclusive `flock` on `<tenant>.lock` (read, change, rewrite in place), so two
/// processes can never both spend the same slot.
///
/// Threading: thread-safe. A mutex serialises this process's callers (one `flock` per open file is not
/// exclusive within a process); `flock` serialises processes. The lock is held only for the read-modify-
/// write of a file of a few hundred bytes. When the file cannot be read or written (disk full, removed
/// directory) the store falls back to the last state it saw and reports the problem once through `warn`;
/// a corrupt file is replaced by a fresh budget (at worst one window is then counted from zero).
public final class FileBudgetStore: RateLimitBudgetStore {
    /// The budget file.
    public let url: URL
    private let lockPath: String
    private let warn: @Sendable (String) -> Void
    private struct State {
        var lockFD: Int32 = -1
        var dataFD: Int32 = -1
        /// The last budget read or written (the fallback when the file is unusable).
        var last = RateLimitBudget()
        var warned = false
    }
    private let state = Mutex(State())

    /// Creates `<stateDirectory>/ratelimit/` (0700) when needed; throws when it cannot.
    public init(stateDirectory: URL, tenant: String, warn: @escaping @Sendable (String) -> Void = { _ in }) throws {
        let dir = stateDirectory.appendingPathComponent("ratelimit", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw RateLimitError("cannot create the rate-limit directory \(dir.path): \(error.localizedDescription)")
        }
        let name = Self.fileName(tenant)
        url = dir.appendingPathComponent("\(name).json")
        lockPath = dir.appendingPathComponent("\(name).lock").path
        self.warn = warn
    }

    deinit {
        state.withLock { s in
            if s.lockFD >= 0 { close(s.lockFD) }
            if s.dataFD >= 0 { close(s.dataFD) }
        }
    }

    public func update<T>(_ body: (inout RateLimitBudget) -> T) -> T {
        state.withLock { s in
            if s.lockFD < 0 { s.lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
            if s.dataFD < 0 { s.dataFD = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
            guard s.lockFD >= 0, s.dataFD >= 0 else {
                problem(&s, "cannot open \(s.lockFD < 0 ? lockPath : url.path): \(String(cString: strerror(errno)))")
                return body(&s.last)
            }
            while flock(s.lockFD, LOCK_EX) != 0 && errno == EINTR {}
            defer { flock(s.lockFD, LOCK_UN) }
            let (before, valid) = read(&s)
            var budget = before
            let result = body(&budget)
            if budget != before || !valid { write(budget, &s) }
            s.last = budget
            return result
        }
    }

    /// The budget in the file, and whether the file held a valid one (an empty file is a fresh budget).
    private func read(_ s: inout State) -> (RateLimitBudget, Bool) {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(s.dataFD, $0.baseAddress, $0.count, off_t(bytes.count)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        if bytes.isEmpty { return (RateLimitBudget(), false) }
        do {
            return (try JSONDecoder().decode(RateLimitBudget.self, from: Data(bytes)), true)
        } catch {
            problem(&s, "\(url.path) is not a valid budget file; starting a fresh one")
            return (RateLimitBudget(), false)
        }
    }

    /// Rewrites the file in place (readers hold the lock, so none sees it half-written; a crash mid-write
    /// leaves an invalid file, which the next reader replaces with a fresh budget).
    private func write(_ budget: RateLimitBudget, _ s: inout State) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = [UInt8](try encoder.encode(budget))
            var written = 0
            while written < data.count {
                let n = data.withUnsafeBytes { pwrite(s.dataFD, $0.baseAddress! + written, data.count - written, off_t(written)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                written += n
            }
            guard ftruncate(s.dataFD, off_t(data.count)) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            problem(&s, "cannot write \(url.path): \(error); pacing this process alone")
        }
    }

    private func problem(_ s: inout State, _ message: String) {
        if !s.warned { s.warned = true; warn("rate limit: \(message)") }
    }

    /// A file name for a tenant: letters, digits, `-`, `_` and `.` kept, anything else as `_`.
    static func fileName(_ tenant: String) -> String {
        let kept = tenant.unicodeScalars.map { c -> Character in
            (c.isASCII && (CharacterSet.alphanumerics.contains(c) || "-_.".unicodeScalars.contains(c))) ? Character(c) : "_"
        }
        let name = String(kept)
        return name.isEmpty || name.hasPrefix(".") ? "_" + name : name
    }
}
