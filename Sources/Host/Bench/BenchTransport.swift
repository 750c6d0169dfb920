import Foundation
import Synchronization

/// The HTTP transport of a bench run: the production transport to the loopback emulator, counting what is
/// sent, and charging each bulk request its modelled Okta processing time on the virtual clock (the time
/// Okta takes to accept one bulk upload; other calls are charged nothing).
///
/// Threading: thread-safe (counters behind a `Mutex`).
final class BenchTransport: HTTPTransport {
    /// What went over the wire since the last ``reset()``.
    struct Counters: Sendable {
        var requests = 0
        /// Bulk requests of every kind; of them, those carrying groups and group memberships.
        var bulkRequests = 0
        var groupRequests = 0
        var membershipRequests = 0
        var sessionsCreated = 0
        var bytesSent = 0
        var rateLimited = 0
    }

    private let inner: any HTTPTransport
    private let clock: BenchClock
    private let bulkSeconds: Double
    private let counters = Mutex(Counters())

    init(clock: BenchClock, bulkSeconds: Double, inner: any HTTPTransport = URLSessionTransport()) {
        self.inner = inner
        self.clock = clock
        self.bulkSeconds = bulkSeconds
    }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let path = request.url.path
        let last = path.split(separator: "/").last ?? ""
        let isBulk = request.method == "POST" && last.hasPrefix("bulk-")
        let response = try await inner.send(request)
        counters.withLock { c in
            c.requests += 1
            c.bytesSent += request.body?.count ?? 0
            if response.status == 429 { c.rateLimited += 1 }
            guard response.status < 300 else { return }
            if isBulk {
                c.bulkRequests += 1
                if last.hasPrefix("bulk-groups-") { c.groupRequests += 1 }
                if last.hasPrefix("bulk-group-memberships-") { c.membershipRequests += 1 }
            }
            if request.method == "POST", path.hasSuffix("/sessions") { c.sessionsCreated += 1 }
        }
        if isBulk { clock.advance(by: bulkSeconds) }
        return response
    }

    /// The counters, cleared.
    func reset() -> Counters {
        counters.withLock { c in
            defer { c = Counters() }
            return c
        }
    }
}
