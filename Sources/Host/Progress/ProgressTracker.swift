import Foundation
import Synchronization

/// Follows one run as the engine reports it and publishes ``SyncProgress`` snapshots with an ETA
/// (``EtaModel``) to `publish`: on every phase change, otherwise at most 4 times a second.
///
/// Fed by ``SyncEngine`` (reading, planning), the ``Planner`` (records read) and ``SessionRunner``
/// (requests, sessions, waits). Thread-safe: all state is guarded by one `Mutex`; `publish` is called
/// outside the lock.
public final class ProgressTracker: Sendable {
    /// What the ETA needs besides the counts.
    public struct Rules: Sendable {
        public var cooldownSeconds: Double = 300
        public var maxRequestsPerSession = 50
        public var maxEntitiesPerRequest = 200
        /// Seconds per request the org's rate budget allows (`nil`: not known).
        public var budgetSecondsPerRequest: Double?
        /// The import time to assume until one is observed (e.g. this source's recent sessions).
        public var importSeconds: Double = 1
        public init() {}
    }

    private struct State {
        var progress: SyncProgress
        var rules: Rules
        var requestsInSession = 0
        var sessionOpen = false
        var lastTriggerAt: Double?
        var waitingSince: Double?
        var sendingSeconds = 0.0
        var importTimes: [Double] = []
        var lastPublished = 0.0
    }

    private let state: Mutex<State>
    private let publish: @Sendable (SyncProgress) -> Void
    private let minimumInterval: Double

    public init(tenant: String, source: String, rules: Rules = Rules(), minimumInterval: Double = 0.25,
                publish: @escaping @Sendable (SyncProgress) -> Void) {
        state = Mutex(State(progress: SyncProgress(tenant: tenant, source: source), rules: rules))
        self.publish = publish
        self.minimumInterval = minimumInterval
    }

    /// Replaces the ETA rules (the session runner knows the cool-down, state the last trigger).
    public func configure(_ change: @Sendable (inout Rules) -> Void, lastTriggerAt: Double?) {
        update(force: false) { s in
            change(&s.rules)
            if s.lastTriggerAt == nil { s.lastTriggerAt = lastTriggerAt }
        }
    }

    public func phase(_ phase: SyncProgress.Phase) { update(force: true) { $0.progress.phase = phase } }

    public func recordsRead(_ count: Int) { update(force: false) { $0.progress.recordsRead = count } }

    /// The plan is known: `deactivations` go in their own requests, then `upserts`.
    public func planned(deactivations: Int, upserts: Int) {
        update(force: true) { s in
            let per = max(1, s.rules.maxEntitiesPerRequest)
            s.progress.requestsPlanned = (deactivations + per - 1) / per + (upserts + per - 1) / per
            s.progress.phase = .sending
        }
    }

    public func sessionOpened() {
        update(force: true) { s in
            s.sessionOpen = true
            s.requestsInSession = 0
            s.progress.phase = .sending
        }
    }

    /// One bulk request went out, taking `seconds` (rate-limit waits included).
    public func requestSent(seconds: Double) {
        update(force: false) { s in
            s.progress.requestsSent += 1
            s.progress.requestsPlanned = max(s.progress.requestsPlanned, s.progress.requestsSent)
            s.requestsInSession += 1
            s.sendingSeconds += seconds
        }
    }

    public func coolingDown() { phase(.coolingDown) }

    public func triggered(at time: Double = Date().timeIntervalSince1970) {
        update(force: true) { s in
            s.sessionOpen = false
            s.lastTriggerAt = time
            s.waitingSince = time
            s.progress.phase = .waitingForOkta
        }
    }

    /// The triggered session reached a final state.
    public func sessionFinished(at time: Double = Date().timeIntervalSince1970) {
        update(force: true) { s in
            if let since = s.waitingSince { s.importTimes.append(time - since) }
            s.waitingSince = nil
            s.progress.sessionsDone += 1
            s.progress.phase = .sending
        }
    }

    public var current: SyncProgress { state.withLock { $0.progress } }

    private func update(force: Bool, _ change: (inout State) -> Void) {
        let now = Date().timeIntervalSince1970
        let snapshot: SyncProgress? = state.withLock { s in
            change(&s)
            Self.estimate(&s, now: now)
            guard force || now - s.lastPublished >= minimumInterval else { return nil }
            s.lastPublished = now
            return s.progress
        }
        if let snapshot { publish(snapshot) }
    }

    private static func estimate(_ s: inout State, now: Double) {
        s.progress.at = now
        let p = s.progress
        let perSession = max(1, s.rules.maxRequestsPerSession)
        let remainingSessions = s.sessionOpen || s.waitingSince != nil ? 1 : 0
        let left = p.requestsPlanned - p.requestsSent
        let inOpen = s.sessionOpen ? s.requestsInSession : 0
        let future = max(0, left - (s.sessionOpen ? perSession - inOpen : 0))
        s.progress.sessionsPlanned = p.sessionsDone + remainingSessions + (future + perSession - 1) / perSession
        guard p.phase != .reading && p.phase != .planning else { s.progress.etaSeconds = nil; return }
        let observed = p.requestsSent > 0 ? s.sendingSeconds / Double(p.requestsSent) : nil
        let perRequest = max(observed ?? 0.2, s.rules.budgetSecondsPerRequest ?? 0)
        let importSeconds = s.importTimes.isEmpty ? s.rules.importSeconds
            : s.importTimes.reduce(0, +) / Double(s.importTimes.count)
        var model = EtaModel(requestsLeft: left, cooldownSeconds: s.rules.cooldownSeconds,
                             secondsPerRequest: perRequest, importSeconds: importSeconds)
        model.requestsInOpenSession = inOpen
        model.sessionOpen = s.sessionOpen
        model.maxRequestsPerSession = perSession
        model.lastTriggerAt = s.lastTriggerAt
        model.waitingSince = s.waitingSince
        s.progress.etaSeconds = model.secondsLeft(now: now)
    }
}
