import Foundation
import Synchronization

/// The leases of one `xaas serve` host on PostgreSQL state: takes a source's lease before its run, decides
/// with the cluster whether this occurrence is still owed (another host may have run it), renews held
/// leases on a heartbeat thread, and releases them when the run ends.
///
/// With SQLite state there is one host and no lease (``acquire(_:now:)`` answers `.run(nil)`).
final class ServeLeases: Sendable {
    enum Decision {
        /// Run now, with this lease (`nil`: SQLite, no lease).
        case run(SourceLease?)
        /// Not now: try again at this time (held by another host, or this occurrence already ran).
        case later(Date)
    }

    let backend: StateBackend
    let hostId: String
    let ttlSeconds: Int
    private let metrics: ServeMetrics
    private let log: LogWriter
    private let held = Mutex<[String: SourceLease]>([:])

    init(backend: StateBackend, hostId: String, ttlSeconds: Int, metrics: ServeMetrics, log: LogWriter) {
        self.backend = backend
        self.hostId = hostId
        self.ttlSeconds = ttlSeconds
        self.metrics = metrics
        self.log = log
    }

    /// Whether `entry` runs here now. Blocking (PostgreSQL round trips): call off the scheduling loop.
    func acquire(_ entry: SourceScheduler.Entry, now: Date = Date()) -> Decision {
        guard case .postgres(let conninfo, let schema) = backend else { return .run(nil) }
        let tenant = entry.tenant.name, source = entry.source.name
        let retry = now.addingTimeInterval(Double(max(1, ttlSeconds)) / 3)
        let lease: SourceLease
        do {
            guard let taken = try SourceLease.tryAcquire(conninfo: conninfo, schema: schema, tenant: tenant, source: source,
                                                         holder: hostId, ttlSeconds: ttlSeconds) else {
                metrics.lease("busy", tenant: tenant, source: source)
                return .later(retry)
            }
            lease = taken
        } catch {
            log.log(.error, tenant: tenant, source: source, "cannot take the lease: \(error)")
            return .later(retry)
        }
        if let next = lease.nextDue(schedule: entry.schedule, now: now) {
            lease.release()
            return .later(next)
        }
        do {
            try lease.runStarted(at: now)
        } catch {
            lease.release()
            log.log(.error, tenant: tenant, source: source, "\(error)")
            return .later(retry)
        }
        metrics.lease("gained", tenant: tenant, source: source)
        let resumed = lease.lastRunStartedAt != nil && !lease.lastRunFinished
        log.log(tenant: tenant, source: source, "lease gained (generation \(lease.generation))\(resumed ? "; the previous run did not finish: resuming from its journal" : "")")
        held.withLock { $0[entry.key] = lease }
        return .run(lease)
    }

    /// Ends `entry`'s run: records it finished (unless `finished` is false: a run stopped by shutdown stays
    /// owed and the next holder resumes it) and releases the lease.
    func release(_ entry: SourceScheduler.Entry, finished: Bool) {
        guard let lease = held.withLock({ $0.removeValue(forKey: entry.key) }) else { return }
        if finished {
            do { try lease.runFinished() } catch {
                log.log(.warning, tenant: entry.tenant.name, source: entry.source.name, "\(error)")
            }
        }
        lease.release()
    }

    /// Renews every held lease every third of the time-to-live until `stop` is set; a lease that cannot be
    /// renewed is reported lost (metrics, log); the run's next state write is then rejected by generation,
    /// which ends it. Starts a thread when the backend is PostgreSQL.
    func startHeartbeat(stop: StopFlag) {
        guard backend.isShared else { return }
        let interval = max(0.2, Double(ttlSeconds) / 3)
        let thread = Thread { [self] in
            while !stop.isSet {
                Thread.sleep(forTimeInterval: interval)
                for (key, lease) in held.withLock({ $0 }) {
                    do { try lease.renew() } catch {
                        // Reported once: a lease released meanwhile, or already reported, is no longer held.
                        guard held.withLock({ h in h[key] === lease ? h.removeValue(forKey: key) : nil }) != nil else { continue }
                        metrics.lease("lost", tenant: lease.tenant, source: lease.source)
                        log.log(.error, tenant: lease.tenant, source: lease.source, "\(error); this host's run can no longer write (rejected by generation)")
                    }
                }
            }
        }
        thread.start()
    }
}
