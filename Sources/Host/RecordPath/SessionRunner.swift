import Foundation

/// The session stage of the record path: applies a persisted plan to one identity source through Okta
/// import sessions (``apply(runId:)``), owning the session
/// rules: one open session per source, ≤ 50 bulk requests per session, ≤ 200 entities and ≤ 200 KB per
/// request (``BulkBatcher``), deactivations first, the cool-down between a trigger and the next session,
/// polling each triggered session to COMPLETED, and committing state only then.
///
/// ## Threading
/// An instance serves one run; its methods are called sequentially from one task.
public final class SessionRunner {
    public struct Options: Sendable {
        public var maxRequestsPerSession = 50
        /// Seconds to wait after a trigger before the next session may be created (Okta: 300).
        public var cooldownSeconds: Double = 300
        /// Give up waiting for a triggered session after this long.
        public var completionTimeoutSeconds: Double = 6 * 3600
        /// Cancel open sessions of the source that our journal does not know.
        public var cancelForeignSessions = false
        public var maxEntitiesPerRequest = BulkBatcher.defaultMaxEntities
        public var maxBytesPerRequest = BulkBatcher.defaultMaxBytes
        public init() {}
    }

    /// What applying achieved.
    public struct Result: Sendable {
        public var created = 0
        public var updated = 0
        public var deactivated = 0
        public var groupsCreated = 0
        public var groupsUpdated = 0
        public var groupsDeleted = 0
        public var membershipsAdded = 0
        public var membershipsRemoved = 0
        public var bulkRequests = 0
        public var sessions = 0
    }

    let target: any ImportTarget
    let store: StateStore
    let options: Options
    let sleep: @Sendable (Double) async -> Void
    let log: @Sendable (String) -> Void
    /// Now, in epoch seconds: the cool-down and the journal's trigger times are measured on it (injectable so
    /// `xaas bench` runs on a virtual clock shared with the emulator).
    public var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }
    public internal(set) var result = Result()
    /// Told about requests, sessions and waits when set (progress display).
    public var progress: ProgressTracker?
    var runId: Int64 = 0

    var session: ImportSession?
    var requestsInSession = 0
    /// (kind, action) counts carried by the open session, added to `result` when it commits.
    var pendingCounts: [String: Int] = [:]

    public init(target: any ImportTarget, store: StateStore, options: Options,
                sleep: @escaping @Sendable (Double) async -> Void = { try? await Task.sleep(for: .seconds($0)) },
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.target = target
        self.store = store
        self.options = options
        self.sleep = sleep
        self.log = log
    }

    // MARK: Applying a plan

    /// Sends every entry of the plan of `runId` in ``ApplyPhase/order`` (user upserts, group upserts,
    /// membership adds, membership removals, group deletes, user deactivations), all in the same sessions.
    public func apply(runId: Int64) async throws {
        self.runId = runId
        do {
            for phase in ApplyPhase.order {
                let fetch: (Int64) throws -> [PlanEntry] = { [store] after in
                    try store.planEntries(runId: runId, actions: phase.actions, kind: phase.kind, afterSeq: after, limit: 1000)
                }
                if phase.operation == .deleteUsers {
                    // Deactivations go first in the org's rate-limit queue.
                    try await RateLimitContext.$priority.withValue(.deactivation) { try await applyPhase(phase.operation, fetch) }
                } else {
                    try await applyPhase(phase.operation, fetch)
                }
            }
            try await finishSession()
        } catch {
            await abandonOpenSession(after: error)
            throw error
        }
    }

    /// Sends the entries `fetch` yields (pages after a seq) through `operation`, packed to the limits.
    func applyPhase(_ operation: BulkOperation, _ fetch: (Int64) throws -> [PlanEntry]) async throws {
        if operation == .upsertMemberships || operation == .deleteMemberships {
            return try await applyMembershipPhase(operation, fetch)
        }
        var batcher = makeBatcher(operation)
        var pending: [(JournalEntity, PlanAction)] = []
        try await forEachEntry(fetch) { e in
            let journal = JournalEntity(kind: e.kind, externalId: e.externalId, status: e.status, hash: e.hash,
                                        profileJSON: e.profile?.json)
            if !append(e, to: &batcher) {
                try await send(operation, &batcher, &pending)
                guard append(e, to: &batcher) else {
                    throw SyncError("externalId \"\(e.externalId)\": its profile alone exceeds the 200 KB request limit")
                }
            }
            pending.append((journal, e.action))
        }
        try await send(operation, &batcher, &pending)
    }

    /// Calls `body` with every entry `fetch` yields, page after page: `fetch(seq)` returns the entries after
    /// `seq` (in seq order), and an empty page ends the phase.
    func forEachEntry(_ fetch: (Int64) throws -> [PlanEntry], _ body: (PlanEntry) async throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            let entries = try fetch(after)
            guard let last = entries.last else { return }
            after = last.seq
            for e in entries { try await body(e) }
        }
    }

    func makeBatcher(_ operation: BulkOperation) -> BulkBatcher {
        BulkBatcher(operation: operation, maxEntities: options.maxEntitiesPerRequest, maxBytes: options.maxBytesPerRequest)
    }

    private func append(_ e: PlanEntry, to batcher: inout BulkBatcher) -> Bool {
        if e.action == .deactivate { return batcher.append(.deletion(externalId: e.externalId)) }
        // The stored canonical profile is spliced into the body as is.
        let profile = e.profile ?? Profile(json: "{}", hash: e.hash)
        if batcher.operation == .upsertGroups { return batcher.append(.group(externalId: e.externalId, profile: profile)) }
        return batcher.append(.user(externalId: e.externalId, profile: profile))
    }

    /// Sends what the batcher holds as one bulk request, rolling the session over when it is full.
    func send(_ operation: BulkOperation, _ batcher: inout BulkBatcher,
                      _ pending: inout [(JournalEntity, PlanAction)]) async throws {
        guard let body = batcher.finish() else { return }
        if session != nil, requestsInSession >= options.maxRequestsPerSession { try await finishSession() }
        let current = try await openSessionIfNeeded()
        try store.recordBulkRequest(sessionId: current.id, entities: pending.map(\.0))
        Failpoint.pass("before-bulk")
        let sendStarted = Date()
        try await target.bulk(operation, sessionId: current.id, body: body)
        progress?.requestSent(seconds: Date().timeIntervalSince(sendStarted))
        Failpoint.pass("after-bulk")
        requestsInSession += 1
        // A re-sent request whose first answer was lost may have been counted twice by Okta.
        if let counted = target.bulkRequestsCounted(current.id) { requestsInSession = max(requestsInSession, counted) }
        result.bulkRequests += 1
        for (entity, action) in pending { pendingCounts["\(entity.kind.rawValue)/\(action.rawValue)", default: 0] += 1 }
        pending.removeAll(keepingCapacity: true)
    }

    private func openSessionIfNeeded() async throws -> ImportSession {
        if let session { return session }
        let created = try await createSession()
        session = created
        requestsInSession = 0
        return created
    }

    /// Triggers the open session (if it carries anything), waits for it, and commits or retries it.
    private func finishSession() async throws {
        guard let current = session else { return }
        session = nil
        guard requestsInSession > 0 else {
            try? await target.cancelSession(current.id)
            try store.abandonSession(current.id, oktaStatus: "CLOSED")
            return
        }
        let final = try await triggerAndWait(current.id)
        if final == .completed {
            commitCounts()
            return
        }
        // ERROR (or EXPIRED): retry its entities once in a fresh session, then give up.
        log("session \(current.id) ended \(final.rawValue); retrying its entities once in a new session")
        let entities = try store.sessionEntities(current.id)
        try store.abandonSession(current.id, oktaStatus: final.rawValue)
        try await resend(entities)
        guard let retry = session else { return }
        session = nil
        let second = try await triggerAndWait(retry.id)
        guard second == .completed else {
            try store.abandonSession(retry.id, oktaStatus: second.rawValue)
            pendingCounts = [:]
            throw SyncError("import session \(retry.id) ended \(second.rawValue) after a retry; nothing from it was applied")
        }
        commitCounts()
    }

    private func commitCounts() {
        func take(_ kind: EntityKind, _ action: PlanAction) -> Int { pendingCounts["\(kind.rawValue)/\(action.rawValue)"] ?? 0 }
        result.created += take(.user, .create)
        result.updated += take(.user, .update)
        result.deactivated += take(.user, .deactivate)
        result.groupsCreated += take(.group, .create)
        result.groupsUpdated += take(.group, .update)
        result.groupsDeleted += take(.group, .deactivate)
        result.membershipsAdded += take(.membership, .create)
        result.membershipsRemoved += take(.membership, .deactivate)
        pendingCounts = [:]
    }

    /// Sends a failed session's entities again, in the same phase order as a plan, through the same
    /// batching loop (``applyPhase(_:_:)``) fed from memory instead of the plan table.
    private func resend(_ entities: [JournalEntity]) async throws {
        let entries = entities.map { e in
            PlanEntry(seq: 0, kind: e.kind, externalId: e.externalId,
                             action: e.status == .inactive ? .deactivate : (e.kind == .membership ? .create : .update),
                             status: e.status, hash: e.hash, profile: e.profileJSON.map { Profile(json: $0, hash: e.hash) },
                             reason: nil)
        }.sorted { $0.externalId < $1.externalId }
        // Counts were already attributed to the failed session's actions; keep them as they were.
        let saved = pendingCounts
        defer { pendingCounts = saved }
        for phase in ApplyPhase.order {
            let chosen = entries.filter { $0.kind == phase.kind && phase.actions.contains($0.action) }
            guard !chosen.isEmpty else { continue }
            try await applyPhase(phase.operation, Self.pages(of: chosen))
            pendingCounts = saved
        }
    }

    /// `entries` as the pages ``forEachEntry(_:_:)`` reads (numbered 1…n in their order).
    static func pages(of entries: [PlanEntry]) -> (Int64) -> [PlanEntry] {
        let numbered = entries.enumerated().map { i, e in var e = e; e.seq = Int64(i + 1); return e }
        return { after in after < Int64(numbered.count) ? Array(numbered[Int(after)...]) : [] }
    }

    private func abandonOpenSession(after error: any Error) async {
        guard let current = session else { return }
        session = nil
        try? await target.cancelSession(current.id)
        try? store.abandonSession(current.id, oktaStatus: "CLOSED")
        pendingCounts = [:]
    }
}
