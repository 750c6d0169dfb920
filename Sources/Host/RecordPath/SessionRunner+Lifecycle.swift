import Foundation

extension SessionRunner {
    // MARK: Creating, triggering, waiting

    /// Creates a session, first waiting out the cool-down after our last trigger. A 400 from Okta (its
    /// own 5-minute rule, e.g. after a trigger we did not record) is waited out too, within bounds.
    func createSession() async throws -> ImportSession {
        if let last = try store.lastTriggeredAt() {
            let remaining = last + options.cooldownSeconds - now()
            if remaining > 0 {
                progress?.coolingDown()
                log("waiting \(Int(remaining.rounded(.up))) s: Okta allows a new import session \(Int(options.cooldownSeconds)) s after the last trigger")
                await sleep(remaining)
            }
        }
        var waited = 0.0
        while true {
            try store.markSessionCreatePending(at: now())
            do {
                Failpoint.pass("before-create-session")
                let created = try await target.createSession()
                Failpoint.pass("after-create-session")
                try store.recordSessionCreated(id: created.id, identitySourceId: target.identitySourceId, runId: runId)
                try store.clearSessionCreatePending()
                result.sessions += 1
                progress?.sessionOpened()
                return created
            } catch let error as OktaError where error.httpStatus == 400 {
                let active = try await target.listSessions().filter { $0.status == .created || $0.status == .inProgress }
                if let other = active.first {
                    throw SyncError("identity source \(target.identitySourceId) already has an open session \(other.id) (\(other.status.rawValue)) that this xaas did not create; let its owner finish it, or rerun with --cancel-foreign-sessions")
                }
                let limit = options.cooldownSeconds + 120
                guard waited < limit else { throw error }
                let step = min(30, max(1, options.cooldownSeconds / 10))
                log("Okta refused a new session (\(error.errorSummary ?? "400")); waiting \(Int(step)) s")
                await sleep(step)
                waited += step
            }
        }
    }

    /// Starts the import of session `id` and polls it until it leaves TRIGGERED; returns the final status.
    func triggerAndWait(_ id: String) async throws -> ImportSessionStatus {
        let triggered: ImportSession
        do { triggered = try await target.startImport(id) } catch {
            if try await settleEmptyDeactivationSession(id) { return .completed }
            throw error
        }
        Failpoint.pass("after-trigger")
        try store.recordSessionTriggered(id, at: now())
        progress?.triggered()
        defer { progress?.sessionFinished() }
        if triggered.status == .completed {
            try store.commitSession(id)
            return .completed
        }
        return try await waitForCompletion(id)
    }

    /// Polls session `id` with backoff until COMPLETED (committing its entities) or another final state.
    func waitForCompletion(_ id: String) async throws -> ImportSessionStatus {
        var delay = 0.25
        var waited = 0.0
        while true {
            let current = try await target.getSession(id)
            switch current.status {
            case .completed:
                Failpoint.pass("before-commit")
                try store.commitSession(id)
                Failpoint.pass("after-commit")
                return .completed
            case .error, .expired, .closed:
                return current.status
            case .triggered, .created, .inProgress, .unknown:
                guard waited < options.completionTimeoutSeconds else {
                    throw SyncError("import session \(id) is still \(current.status.rawValue) after \(Int(waited)) s; the next run resumes waiting for it")
                }
                await sleep(delay)
                waited += delay
                delay = min(delay * 2, 10)
            }
        }
    }

    // MARK: Recovery

    /// Brings the journal and Okta into agreement before planning: commits sessions that completed while
    /// we were away, waits for triggered ones, cancels our half-filled ones (their entities are planned
    /// again), and refuses to run beside an open session we do not know unless told to cancel it.
    public func recover() async throws {
        let remote = try await target.listSessions()
        let journal = try store.unfinishedSessions()
        let known = Set(journal.map(\.id))
        for entry in journal {
            let status: ImportSessionStatus
            if let r = remote.first(where: { $0.id == entry.id }) {
                status = r.status
            } else {
                status = (try? await target.getSession(entry.id).status) ?? .closed
            }
            switch status {
            case .completed:
                try store.commitSession(entry.id)
                log("session \(entry.id) completed while xaas was not running; its changes are now recorded")
            case .triggered:
                log("waiting for session \(entry.id), triggered by an earlier run")
                let final = try await waitForCompletion(entry.id)
                if final != .completed { try store.abandonSession(entry.id, oktaStatus: final.rawValue) }
            case .created, .inProgress:
                log("cancelling session \(entry.id) left open by an interrupted run; its changes are planned again")
                try? await target.cancelSession(entry.id)
                try store.abandonSession(entry.id, oktaStatus: "CLOSED")
            case .error, .expired, .closed, .unknown:
                try store.abandonSession(entry.id, oktaStatus: status.rawValue)
            }
        }
        let pendingSince = try store.sessionCreatePendingSince()
        for other in remote where !known.contains(other.id) {
            switch other.status {
            case .triggered:
                log("waiting for session \(other.id) (not ours) to finish before importing")
                _ = try await waitForCompletion(other.id)
            case .created, .inProgress:
                if other.status == .created, pendingSince != nil {
                    // We sent a create and crashed before recording its answer: this empty session is ours.
                    log("cancelling empty session \(other.id) created by an interrupted run")
                    try? await target.cancelSession(other.id)
                } else if options.cancelForeignSessions {
                    log("cancelling foreign session \(other.id) (--cancel-foreign-sessions)")
                    try await target.cancelSession(other.id)
                } else {
                    throw SyncError("identity source \(target.identitySourceId) has an open session \(other.id) (\(other.status.rawValue)) that this xaas did not create; let its owner finish it, or rerun with --cancel-foreign-sessions")
                }
            default:
                break
            }
        }
        try store.clearSessionCreatePending()
    }
}
