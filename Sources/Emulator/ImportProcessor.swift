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

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    private func apply(_ op: BulkOperation, to dir: inout SourceDirectory, report: inout ImportReport, at time: Double,
                       names: inout AttributeNames, ids: inout SeededRandom) {
        switch op {
        case .upsertUsers(let items):
            for (externalId, profile) in items {
                if var user = dir.user(externalId) {
                    if !user.active {
                        user.active = true
                        user.profile = profile
                        user.lastUpdated = time
                        report.updated += 1
                        report.reactivated += 1
                    } else if user.profile == profile {
                        report.unchanged += 1
                        continue
                    } else {
                        user.profile = profile
                        user.lastUpdated = time
                        report.updated += 1
                    }
                    dir.put(user)
                } else if missingRequired(profile, names) != nil {
                    report.failed += 1
                } else {
                    dir.put(UserRecord(externalId: externalId, idNumber: ids.next(), active: true, created: time,
                                       lastUpdated: time, profile: profile))
                    report.created += 1
                }
            }
        case .deleteUsers(let externalIds):
            for externalId in externalIds {
                guard var user = dir.user(externalId) else {
                    report.ignored += 1
                    continue
                }
                if user.active {
                    user.active = false
                    user.lastUpdated = time
                    dir.put(user)
                    report.deactivated += 1
                } else {
                    report.unchanged += 1
                }
            }
        case .upsertGroups(let items):
            for (externalId, profile) in items {
                if var group = dir.group(externalId), group.externalId == externalId {
                    if group.profile == profile {
                        report.groupsUnchanged += 1
                    } else {
                        group.profile = profile
                        group.lastUpdated = time
                        dir.putGroup(group)
                        report.groupsUpdated += 1
                    }
                } else {
                    dir.putGroup(GroupRecord(externalId: externalId, id: ids.oktaID("00g"), profile: profile,
                                             created: time, lastUpdated: time, members: []))
                    report.groupsCreated += 1
                }
            }
        case .deleteGroups(let externalIds):
            for externalId in externalIds {
                if dir.groups[externalId] != nil {
                    dir.removeGroup(externalId)
                    report.groupsDeleted += 1
                } else {
                    report.ignored += 1
                }
            }
        case .addMemberships(let items), .removeMemberships(let items):
            let adding: Bool = if case .addMemberships = op { true } else { false }
            for (groupId, members) in items {
                guard var group = dir.groups[groupId] else {
                    report.ignored += members.count
                    continue
                }
                var changed = false
                for member in members {
                    if adding {
                        if dir.user(member) == nil {
                            report.ignored += 1
                        } else if group.members.insert(member).inserted {
                            report.membershipsAdded += 1
                            changed = true
                        }
                    } else if group.members.remove(member) != nil {
                        report.membershipsRemoved += 1
                        changed = true
                    } else {
                        report.ignored += 1
                    }
                }
                if changed {
                    group.lastUpdated = time
                    dir.putGroup(group)
                }
            }
        }
    }
}
