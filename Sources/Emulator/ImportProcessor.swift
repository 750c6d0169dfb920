/// Processing of triggered sessions: sequential per identity source, in trigger order, each taking
/// `processingDelayMs` of emulated time after the later of its trigger and the previous session's end.
extension OrgState {
    /// Completes every session due at `now`; returns when the next queued one becomes due (nil: none queued).
    mutating func processDue(now: Double, names: inout AttributeNames, ids: inout SeededRandom) -> Double? {
        let delay = Double(config.processingDelayMs) / 1000
        var earliest: Double?
        for source in queues.keys.sorted() {
            while let head = queues[source]?.first {
                guard let session = sessions[head], session.status == .triggered else {
                    queues[source]?.removeFirst()
                    continue
                }
                let start = max(session.triggeredAt ?? now, lastFinished[source] ?? 0)
                let due = start + delay
                guard now >= due else {
                    earliest = min(earliest ?? due, due)
                    break
                }
                process(head, at: due, names: &names, ids: &ids)
                lastFinished[source] = due
                queues[source]?.removeFirst()
            }
        }
        return earliest
    }

    /// Applies one session's staged operations to its source's directory and records the report.
    mutating func process(_ sessionId: String, at time: Double, names: inout AttributeNames, ids: inout SeededRandom) {
        guard var session = sessions[sessionId] else { return }
        var directory = directories[session.source] ?? SourceDirectory(source: session.source)
        let failure = session.pendingError ?? missingRequiredFailure(session, directory, names)
        if let failure {
            session.status = .error
            session.errorReason = failure
        } else {
            var report = session.report
            for op in session.operations {
                apply(op, to: &directory, report: &report, at: time, names: &names, ids: &ids)
            }
            session.report = report
            session.status = .completed
        }
        session.operations = []
        session.finishedAt = time
        session.lastUpdated = time
        sessions[sessionId] = session
        directories[session.source] = directory
        dirtySessions.insert(sessionId)
    }

    /// With `missingRequired: sessionError`, the reason the session fails (a new user without a required field).
    private func missingRequiredFailure(_ session: EmulatorSession, _ directory: SourceDirectory,
                                        _ names: AttributeNames) -> String? {
        guard config.missingRequiredFailsSession else { return nil }
        for op in session.operations {
            guard case .upsertUsers(let items) = op else { continue }
            for item in items where directory.user(item.externalId) == nil {
                if let field = missingRequired(item.profile, names) {
                    return "user '\(item.externalId)': required field '\(field)' is missing"
                }
            }
        }
        return nil
    }

    func missingRequired(_ profile: CompactProfile, _ names: AttributeNames) -> String? {
        let pairs = profile.pairs(names)
        for field in config.requiredOnCreate {
            let value = pairs.first { $0.0 == field }?.1 ?? nil
            if value?.isEmpty ?? true { return field }
        }
        return nil
    }
}
