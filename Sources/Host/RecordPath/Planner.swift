import Foundation

/// Reads a whole source page by page and writes the plan of one run into state: creates, updates,
/// deactivations; counts the unchanged. Nothing proportional to the source stays in memory: the seen set
/// and the plan live in SQLite.
///
/// ## Threading
/// ``plan()`` blocks (plugin calls and SQLite); run it on a dedicated thread.
public struct Planner {
    /// How one record is turned into a profile, and which records are in scope.
    public struct Rules {
        /// Records the filter rejects are out of scope (deactivated if they were applied before).
        public var filter: ((SourceRecord) -> Bool)?
        /// Maps a record to its Okta profile (empty values already omitted).
        public var map: (SourceRecord) -> [(String, String)]
        /// Why a mapped user cannot be sent (naming the field), or `nil` when it can.
        public var validate: (String, [(String, String)]) -> String? = Mapping.validate(externalId:profile:)
        /// Start and end dates (the source's `lifecycle` key), when configured.
        public var lifecycle: LifecycleRule?
        /// Source attributes the mapping reads: the run warns about those no record has.
        public var mappedAttributes: [String] = []

        public init(filter: ((SourceRecord) -> Bool)?, map: @escaping (SourceRecord) -> [(String, String)]) {
            self.filter = filter
            self.map = map
        }
    }

    public var store: StateStore
    public var runId: Int64
    public var source: any RecordSource
    public var rules: Rules
    public var pageSize: Int
    /// Where an incremental source resumes; `nil` for a full read.
    public var checkpoint: String?
    public var maxRetries = 5
    /// No wait before retrying a page is longer than this, whatever `retry_after_ms` the connector asked for.
    public var maxRetryDelaySeconds = 300.0
    public var sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    public var isCancelled: () -> Bool = { false }
    /// Plan an update even for users whose profile did not change (`xaas sync --full`).
    public var resendUnchanged = false
    /// Records per write transaction.
    public var transactionSize = 2000
    /// The run is a dry run (its lifecycle events do not replace the source's).
    public var dryRun = false
    /// Called after each page with the number of records read so far (progress display).
    public var onPage: (Int) -> Void = { _ in }
    /// Group and membership planning (`nil`: such records are passed over with a note).
    public var groups: GroupPlanner.Rules?

    public init(store: StateStore, runId: Int64, source: any RecordSource, rules: Rules, pageSize: Int, checkpoint: String?) {
        self.store = store
        self.runId = runId
        self.source = source
        self.rules = rules
        self.pageSize = pageSize
        self.checkpoint = checkpoint
    }

    static let maxExternalIdLength = 512

    /// Reads the source to its end (or first error) and persists the plan. Throws only for state errors.
    public func plan() throws -> PlanSummary {
        var summary = PlanSummary()
        if rules.lifecycle != nil { try store.beginLifecycle(runId: runId) }
        summary.presence = AttributePresence(watching: rules.mappedAttributes)
        var seq: Int64 = 0
        var cursor: String? = nil
        var first = true
        var loops = CursorLoopDetector()
        let groupPlanner = try makeGroupPlanner(&summary)
        readLoop: while first || cursor != nil {
            if isCancelled() { summary.readError = "cancelled"; break }
            let page: SourcePage
            do {
                page = try readWithRetry(cursor: cursor, first: first)
            } catch {
                summary.readError = "\(error)"
                break readLoop
            }
            first = false
            summary.incremental = summary.incremental || page.incremental
            summary.skippedByConnector += page.skippedCount
            summary.addNotes(page.notes)
            if let c = page.checkpoint { summary.checkpoint = c }
            var index = 0
            while index < page.records.count {
                let end = min(index + transactionSize, page.records.count)
                try store.batch { batch in
                    for record in page.records[index..<end] {
                        if record.kind != .user, let groupPlanner {
                            summary.recordsRead += 1
                            try groupPlanner.plan(record, incremental: page.incremental, batch: batch, seq: &seq,
                                                  summary: &summary.groups)
                            continue
                        }
                        try plan(record, incremental: page.incremental, batch: batch, seq: &seq, summary: &summary)
                    }
                }
                index = end
            }
            cursor = page.nextCursor
            onPage(summary.recordsRead)
            if let loop = loops.check(cursor) { summary.readError = loop; break readLoop }
            Failpoint.pass("plan-page")
        }
        if summary.readError == nil {
            summary.complete = true
            if summary.skippedByConnector > 0 && !summary.incremental {
                // A read that skipped rows is not complete for the keys of those rows: absence means nothing.
                summary.notes.insert(Self.skippedRowsNote(summary.skippedByConnector), at: 0)
            } else if !summary.incremental {
                let absent = try store.planAbsentDeactivations(runId: runId, kind: "user", firstSeq: seq + 1)
                for _ in 0..<absent { summary.addDeactivation(Self.absentReason) }
                seq += Int64(absent)
            }
        } else {
            // A failed or partial read never deactivates anyone.
            try dropDeactivations(&summary)
        }
        try groupPlanner?.finish(complete: summary.complete, incremental: summary.incremental, seq: &seq,
                                 summary: &summary.groups)
        // "Synced by default" is worth a note only when the read had groups (or applied ones changed).
        if let note = groups?.defaultNote, summary.groups.planned { summary.addNotes([note]) }
        summary.lastSeq = seq
        if rules.lifecycle != nil {
            try store.finishLifecycle(runId: runId, complete: summary.complete, incremental: summary.incremental, dryRun: dryRun)
        }
        if !summary.incremental { summary.notes.insert(contentsOf: summary.presence.warnings, at: 0) }
        return summary
    }

    static let absentReason = "absent from a complete read"

    static func skippedRowsNote(_ count: Int) -> String {
        "the connector skipped \(count) bad row(s), so no user was deactivated for being absent in this run (fix the rows to resume absence deactivations)"
    }

    private func readWithRetry(cursor: String?, first: Bool) throws -> SourcePage {
        var attempt = 0
        while true {
            do {
                return try source.readPage(cursor: cursor, checkpoint: first ? checkpoint : nil, pageSizeHint: pageSize)
            } catch let error as any RetryableReadError {
                guard let delay = error.retryDelayMilliseconds, attempt < maxRetries, !isCancelled() else { throw error }
                attempt += 1
                let backoff = min(60.0, 0.5 * pow(2.0, Double(attempt - 1)))
                sleep(min(maxRetryDelaySeconds, max(Double(delay) / 1000, backoff)))
            }
        }
    }

    private func plan(_ record: SourceRecord, incremental: Bool, batch: StateStore.Batch, seq: inout Int64,
                      summary: inout PlanSummary) throws {
        summary.recordsRead += 1
        guard record.kind == .user else {
            summary.ignoredNonUsers += 1
            return
        }
        summary.presence.observe(record)
        let id = record.externalId
        guard !id.isEmpty else {
            summary.addInvalid("a record without externalId")
            return
        }
        guard id.count <= Self.maxExternalIdLength else {
            summary.addInvalid("externalId \"\(id.prefix(40))…\": longer than \(Self.maxExternalIdLength) characters")
            return
        }
        if try !batch.markSeen(kind: "user", externalId: id) {
            guard incremental else {
                summary.addInvalid("externalId \"\(id)\": duplicate in this read (the first occurrence wins)")
                return
            }
            // A changes-only feed (e.g. a Graph delta) may name a user again with a newer state: the later
            // occurrence replaces what the earlier one planned.
            let earlier = try batch.removePlan(runId: runId, kind: "user", externalId: id)
            switch earlier?.action {
            case .create?: summary.creates -= 1
            case .update?: summary.updates -= 1
            case .deactivate?:
                summary.deactivations -= 1
                let reason = earlier?.reason ?? ""
                summary.deactivationsByReason[reason, default: 1] -= 1
                if summary.deactivationsByReason[reason] == 0 { summary.deactivationsByReason[reason] = nil }
            case nil: if summary.unchanged > 0 { summary.unchanged -= 1 }
            }
            summary.superseded += 1
            try rules.lifecycle?.supersede(id, runId: runId, batch: batch, summary: &summary)
        }
        let applied = try batch.applied(kind: "user", externalId: id)
        let inScope = rules.filter?(record) ?? true

        func deactivate(_ reason: String) throws {
            seq += 1
            try batch.appendPlan(runId: runId, PlanEntry(
                seq: seq, kind: "user", externalId: id, action: .deactivate, status: .inactive,
                hash: applied?.hash ?? 0, profileJSON: nil, reason: reason))
            summary.addDeactivation(reason)
        }

        if !inScope {
            if applied?.status == .active { try deactivate("filtered out") } else { summary.outOfScope += 1 }
            return
        }
        if let lifecycle = rules.lifecycle {
            let outcome = try lifecycle.plan(record, applied: applied, runId: runId, batch: batch)
            summary.count(outcome)
            if outcome.deactivate { try deactivate(LifecyclePolicy.endedReason) }
            if outcome.handled { return }
        }
        if record.status != .active {
            if applied?.status == .active {
                try deactivate(record.status == .deleted ? "deleted in source" : "inactive in source")
            } else if applied == nil {
                summary.inactiveNotApplied += 1
            } else {
                summary.unchanged += 1
            }
            return
        }
        let profile = rules.map(record)
        if let problem = rules.validate(id, profile) {
            summary.addInvalid("externalId \"\(id)\": \(problem)")
            return
        }
        let json = ProfileEncoder.json(profile)
        let hash = ProfileEncoder.hash(json)
        if let applied, applied.status == .active, applied.hash == hash, !resendUnchanged {
            summary.unchanged += 1
            return
        }
        seq += 1
        let action: PlanAction = applied == nil ? .create : .update
        try batch.appendPlan(runId: runId, PlanEntry(
            seq: seq, kind: "user", externalId: id, action: action, status: .active, hash: hash,
            profileJSON: json, reason: applied?.status == .inactive ? "reactivated" : nil))
        if action == .create { summary.creates += 1 } else { summary.updates += 1 }
        if action == .update, applied?.status == .active {
            let cleared = ProfileClearing.cleared(appliedJSON: try batch.appliedProfile(kind: "user", externalId: id), profile: profile)
            if !cleared.isEmpty { summary.clearingUpdates += 1 }
            for name in cleared { summary.clearedAttributes[name, default: 0] += 1 }
        }
    }

    private func dropDeactivations(_ summary: inout PlanSummary) throws {
        try store.withDatabase { db in
            _ = try db.run("DELETE FROM plan WHERE run_id=? AND action='deactivate'", [.int(runId)])
        }
        summary.deactivations = 0
        summary.deactivationsByReason = [:]
    }
}
