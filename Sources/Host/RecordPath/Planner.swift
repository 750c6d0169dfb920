import Foundation

/// The plan stage of the record path: reads a whole source page by page (``PageReader``), takes each user
/// record through the filter and the mapper (``ProfileMapper``), diffs it against the applied state
/// (``StateIndex``, loaded once), and writes only the changes — creates, updates, deactivations — to the
/// plan in state (``StateStore/Batch``, in transactions of ``transactionSize`` records); it counts the
/// unchanged. Group and membership records go to ``GroupPlanner``. The planner itself runs no SQL.
///
/// Memory: the index holds each applied externalId once (≈ 36 MB for a million users) and the seen set is
/// one bit per entity; records and pages are not kept.
///
/// ## Threading
/// ``plan()`` blocks (plugin calls and SQLite); run it on a dedicated thread.
public struct Planner {
    /// How one record is turned into a profile, and which records are in scope.
    public struct Rules {
        /// Records the filter rejects are out of scope (deactivated if they were applied before).
        public var filter: RecordFilter
        /// Maps an in-scope active user record to its profile, or says why it cannot be sent.
        public var mapper: ProfileMapper
        /// Start and end dates (the source's `lifecycle` key), when configured.
        public var lifecycle: LifecycleRule?
        /// Source attributes the mapping reads: the run warns about those no record has.
        public var mappedAttributes: [String] = []

        public init(filter: RecordFilter?, mapper: ProfileMapper) {
            self.filter = filter ?? .all
            self.mapper = mapper
        }

        /// Rules whose mapper is a function giving (name, value) pairs, checked as Okta user profiles.
        public init(filter: RecordFilter?, map: @escaping (SourceRecord) -> [(String, String)]) {
            self.init(filter: filter, mapper: ProfileMapper(pairs: map))
        }
    }

    public var store: StateStore
    public var runId: Int64
    public var rules: Rules
    /// The source's pages (retries, cancellation and the checkpoint are set on it).
    public var reader: PageReader
    /// Waits before a retried page (``PageReader/sleep``).
    public var sleep: (Double) -> Void {
        get { reader.sleep }
        set { reader.sleep = newValue }
    }
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
        self.rules = rules
        self.reader = PageReader(source: source, pageSize: pageSize, checkpoint: checkpoint)
    }

    /// What one read carries from record to record.
    private struct Read {
        var summary = PlanSummary()
        var seq: Int64 = 0
        var incremental = false
        var buffers = ProfileMapper.Buffers()
    }

    /// Reads the source to its end (or first error) and persists the plan. Throws only for state errors.
    public func plan() throws -> PlanSummary {
        var read = Read()
        if rules.lifecycle != nil { try store.beginLifecycle(runId: runId) }
        read.summary.presence = AttributePresence(watching: rules.mappedAttributes)
        let index = try store.loadIndex(kind: .user)
        let groupPlanner = try makeGroupPlanner(&read.summary)
        var reader = self.reader
        while true {
            let page: SourcePage
            do {
                guard let next = try reader.next() else { break }
                page = next
            } catch {
                read.summary.readError = "\(error)"
                break
            }
            read.incremental = page.incremental
            read.summary.incremental = read.summary.incremental || page.incremental
            read.summary.skippedByConnector += page.skippedCount
            read.summary.addNotes(page.notes)
            if let c = page.checkpoint { read.summary.checkpoint = c }
            var start = 0
            while start < page.records.count {
                let end = min(start + transactionSize, page.records.count)
                try store.batch { batch in
                    for record in page.records[start ..< end] {
                        if record.kind != .user, let groupPlanner {
                            read.summary.recordsRead += 1
                            try groupPlanner.plan(record, incremental: page.incremental, batch: batch, seq: &read.seq,
                                                  summary: &read.summary.groups)
                            continue
                        }
                        try plan(record, index: index, batch: batch, read: &read)
                    }
                }
                start = end
            }
            onPage(read.summary.recordsRead)
            Failpoint.pass("plan-page")
        }
        var summary = read.summary
        var seq = read.seq
        if summary.readError == nil {
            summary.complete = true
            if summary.skippedByConnector > 0 && !summary.incremental {
                // A read that skipped rows is not complete for the keys of those rows: absence means nothing.
                summary.notes.insert(Self.skippedRowsNote(summary.skippedByConnector), at: 0)
            } else if !summary.incremental {
                try planAbsent(index.unseenActive(), seq: &seq, summary: &summary)
            }
        } else {
            // A failed or partial read never deactivates anyone.
            try store.dropPlannedDeactivations(runId: runId)
            summary.deactivations = 0
            summary.deactivationsByReason = [:]
        }
        try groupPlanner?.finish(complete: summary.complete, incremental: summary.incremental, seq: &seq,
                                 summary: &summary.groups)
        // "Synced by default" is worth a note only when the read had groups (or applied ones changed).
        if let note = groups?.defaultNote, summary.groups.planned { summary.addNotes([note]) }
        summary.lastSeq = seq
        if rules.lifecycle != nil {
            let replaced = summary.complete && summary.incremental && !dryRun ? index.seenIds() : []
            try store.finishLifecycle(runId: runId, complete: summary.complete, incremental: summary.incremental,
                                      dryRun: dryRun, seenUsers: replaced)
        }
        if !summary.incremental { summary.notes.insert(contentsOf: summary.presence.warnings, at: 0) }
        return summary
    }

    /// Plans the deactivation of every applied active user a complete read did not see, in batches.
    private func planAbsent(_ absent: [(externalId: String, hash: Int64)], seq: inout Int64,
                            summary: inout PlanSummary) throws {
        var start = 0
        while start < absent.count {
            let end = min(start + transactionSize, absent.count)
            try store.batch { batch in
                for (id, hash) in absent[start ..< end] {
                    seq += 1
                    try batch.appendPlan(runId: runId, PlanEntry(
                        seq: seq, kind: .user, externalId: id, action: .deactivate, status: .inactive, hash: hash,
                        profile: nil, reason: Self.absentReason))
                    summary.addDeactivation(Self.absentReason)
                }
            }
            start = end
        }
    }

    static let absentReason = "absent from a complete read"

    static func skippedRowsNote(_ count: Int) -> String {
        "the connector skipped \(count) bad row(s), so no user was deactivated for being absent in this run (fix the rows to resume absence deactivations)"
    }

    /// Plans one record: filter, lifecycle, status, map, compare with the applied state.
    private func plan(_ record: SourceRecord, index: StateIndex, batch: StateStore.Batch, read: inout Read) throws {
        read.summary.recordsRead += 1
        guard record.kind == .user else {
            read.summary.ignoredNonUsers += 1
            return
        }
        read.summary.presence.observe(record)
        // The externalId stays bytes on the way of an unchanged user; its `String` is made for a change.
        if let problem = record.withExternalId(Mapping.externalIdProblem(utf8:)) {
            let id = record.externalId
            read.summary.addInvalid(id.isEmpty ? "a record without externalId" : "externalId \"\(id.prefix(40))…\": \(problem)")
            return
        }
        let (entity, first) = record.withExternalId { index.see($0) }
        if !first {
            guard read.incremental else {
                read.summary.addInvalid("externalId \"\(record.externalId)\": duplicate in this read (the first occurrence wins)")
                return
            }
            try supersede(record.externalId, batch: batch, summary: &read.summary)
        }
        let applied = index.applied(entity)

        func deactivate(_ reason: String) throws {
            read.seq += 1
            try batch.appendPlan(runId: runId, PlanEntry(
                seq: read.seq, kind: .user, externalId: record.externalId, action: .deactivate, status: .inactive,
                hash: applied?.hash ?? 0, profile: nil, reason: reason))
            read.summary.addDeactivation(reason)
        }

        if !rules.filter.admits(record) {
            if applied?.status == .active { try deactivate("filtered out") } else { read.summary.outOfScope += 1 }
            return
        }
        if let lifecycle = rules.lifecycle {
            let outcome = try lifecycle.plan(record, applied: applied, runId: runId, batch: batch)
            read.summary.count(outcome)
            if outcome.deactivate { try deactivate(LifecyclePolicy.endedReason) }
            if outcome.handled { return }
        }
        if record.status != .active {
            if applied?.status == .active {
                try deactivate(record.status == .deleted ? "deleted in source" : "inactive in source")
            } else if applied == nil {
                read.summary.inactiveNotApplied += 1
            } else {
                read.summary.unchanged += 1
            }
            return
        }
        switch rules.mapper.map(record, using: &read.buffers) {
        case .invalid(let problem):
            read.summary.addInvalid("externalId \"\(record.externalId)\": \(problem)")
            return
        case .mapped(let hash):
            if let applied, applied.status == .active, applied.hash == hash, !resendUnchanged {
                read.summary.unchanged += 1
                return
            }
        }
        let profile = read.buffers.profile
        let id = record.externalId
        read.seq += 1
        let action: PlanAction = applied == nil ? .create : .update
        try batch.appendPlan(runId: runId, PlanEntry(
            seq: read.seq, kind: .user, externalId: id, action: action, status: .active, hash: profile.hash,
            profile: profile, reason: applied?.status == .inactive ? "reactivated" : nil))
        if action == .create { read.summary.creates += 1 } else { read.summary.updates += 1 }
        if action == .update, applied?.status == .active {
            let cleared = ProfileClearing.cleared(appliedJSON: try batch.appliedProfile(kind: .user, externalId: id), profile: profile)
            if !cleared.isEmpty { read.summary.clearingUpdates += 1 }
            for name in cleared { read.summary.clearedAttributes[name, default: 0] += 1 }
        }
    }

    /// A changes-only feed (e.g. a Graph delta) may name a user again with a newer state: the later
    /// occurrence replaces what the earlier one planned.
    private func supersede(_ id: String, batch: StateStore.Batch, summary: inout PlanSummary) throws {
        let earlier = try batch.removePlan(runId: runId, kind: .user, externalId: id)
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
}
