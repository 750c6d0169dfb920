import Synchronization

/// Bulk requests per import session that Okta may have counted toward its 50: every attempt that
/// succeeded or whose outcome is unknown (5xx, dropped connection, timeout: Okta may have applied it
/// before the answer was lost). Retries of an ambiguous attempt therefore count twice, so a session
/// never overflows when a lost answer is re-sent. Thread-safe.
final class BulkRequestLedger: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Records the outcome of one attempt (`status` nil = no response).
    func record(sessionId: String, status: Int?) {
        guard status.map({ (200..<300).contains($0) || $0 >= 500 }) ?? true else { return }
        counts.withLock { $0[sessionId, default: 0] += 1 }
    }

    func count(sessionId: String) -> Int { counts.withLock { $0[sessionId] ?? 0 } }
}
