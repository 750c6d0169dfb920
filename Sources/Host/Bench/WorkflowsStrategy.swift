import Foundation

/// What the Okta Workflows XaaS seed templates do, replayed against the same emulator on the same virtual
/// clock, with the same connector and mapping: every run uploads every active user, 200 per request (no
/// client-side delta); a second flow bulk-deletes every inactive one; a counter triggers the session after
/// 50 requests and waits a fixed 5 minutes; each flow opens its own session (so the second flow starts
/// 5 minutes after the first one's last trigger, the earliest Okta accepts a new session). A session whose
/// uploads change nothing (deleting users Okta never had) cannot be triggered; the flow cancels it.
///
/// Threading: ``run()`` is called from one task; source reads run on dedicated threads.
struct WorkflowsStrategy {
    /// What one Workflows run sent.
    struct Outcome {
        var upserted = 0
        var deleted = 0
        var upsertRequests = 0
        var deleteRequests = 0
        var sessions = 0
    }

    let environment: BenchEnvironment
    static let requestsPerSession = 50
    static let entitiesPerRequest = 200

    /// One run of both flows, ending when Okta has processed the last session.
    func run() async throws -> Outcome {
        let client = try environment.client(observer: nil)
        let job = try environment.job(client: client)
        var flow = Flow(client: client, clock: environment.clock)
        let upload = try await flow.run(job: job, operation: .upsertUsers)
        let delete = try await flow.run(job: job, operation: .deleteUsers)
        try await flow.waitForLastSession()
        return Outcome(upserted: upload.entities, deleted: delete.entities, upsertRequests: upload.requests,
                       deleteRequests: delete.requests, sessions: flow.sessions)
    }

    /// The session handling of the templates: open, 50 requests, trigger, fixed wait, repeat.
    private struct Flow {
        let client: OktaClient
        let clock: BenchClock
        let source = BenchEnvironment.workflowsSource
        var sessions = 0
        var lastTrigger: Double?
        var lastSession: String?

        mutating func run(job: SyncEngine.Job, operation: BulkOperation) async throws -> (entities: Int, requests: Int) {
            let reader = UncheckedTransfer(value: FlowReader(job: job, operation: operation))
            var entities = 0, requests = 0
            while true {
                let chunk = try await onDedicatedThread { try reader.value.next(requests: WorkflowsStrategy.requestsPerSession) }
                guard !chunk.isEmpty else { break }
                if let lastTrigger { clock.advance(by: lastTrigger + BenchEnvironment.cooldownSeconds - clock.now()) }
                let session = try await client.createSession(identitySourceId: source)
                sessions += 1
                for body in chunk {
                    try await client.bulk(operation, identitySourceId: source, sessionId: session.id, body: body)
                    entities += body.entityCount
                    requests += 1
                }
                if try await trigger(session.id) {
                    lastTrigger = clock.now()
                    lastSession = session.id
                }
            }
            return (entities, requests)
        }

        /// Triggers session `id`; `false` when Okta refuses because its uploads change nothing (e.g. deleting
        /// users it never had): the flow's error branch then cancels it so the next run is not blocked.
        func trigger(_ id: String) async throws -> Bool {
            let failure: OktaError
            do {
                _ = try await client.startImport(identitySourceId: source, sessionId: id)
                return true
            } catch {
                failure = error
            }
            guard failure.httpStatus == 400 else { throw failure }
            try await client.cancelSession(identitySourceId: source, sessionId: id)
            return false
        }

        /// Polls the last session until Okta has processed it (same backoff as xaas's session runner).
        func waitForLastSession() async throws {
            guard let lastSession else { return }
            var delay = 0.25
            while try await client.getSession(identitySourceId: source, sessionId: lastSession).status == .triggered {
                clock.advance(by: delay)
                delay = min(delay * 2, 10)
            }
        }
    }
}

/// Reads the source for one Workflows flow and packs the selected users into full bulk bodies.
/// Used from one thread at a time.
private final class FlowReader {
    let job: SyncEngine.Job
    let operation: BulkOperation
    private var source: (any RecordSource)?
    private var cursor: String?
    private var finished = false
    private var batcher: BulkBatcher
    private var ready: [BulkBody] = []

    init(job: SyncEngine.Job, operation: BulkOperation) {
        self.job = job
        self.operation = operation
        batcher = BulkBatcher(operation: operation, maxEntities: WorkflowsStrategy.entitiesPerRequest)
    }

    /// Up to `requests` full bodies (the last one of the flow may be partial); empty at the end. A page
    /// may fill more bodies than asked for: the rest wait in `ready` for the next call.
    func next(requests: Int) throws -> [BulkBody] {
        while ready.count < requests, !finished {
            if source == nil { source = try job.openSource() }
            let page = try source!.readPage(cursor: cursor, checkpoint: nil, pageSizeHint: job.pageSize)
            for record in page.records where record.kind == .user && job.rules.filter.admits(record) {
                let wanted: Bool = operation == .upsertUsers ? record.status == .active : record.status != .active
                guard wanted else { continue }
                if !append(record) {
                    if let body = batcher.finish() { ready.append(body) }
                    _ = append(record)
                }
            }
            cursor = page.nextCursor
            if cursor == nil {
                finished = true
                source = nil
                if let body = batcher.finish() { ready.append(body) }
            }
        }
        let chunk = Array(ready.prefix(requests))
        ready.removeFirst(chunk.count)
        return chunk
    }

    /// Appends `record`; `false` when the body is full. A user the mapper refuses is passed over.
    private func append(_ record: SourceRecord) -> Bool {
        guard operation == .upsertUsers else { return batcher.append(.deletion(externalId: record.externalId)) }
        guard let profile = job.rules.mapper.profile(record) else { return true }
        return batcher.append(.user(externalId: record.externalId, profile: profile))
    }
}
