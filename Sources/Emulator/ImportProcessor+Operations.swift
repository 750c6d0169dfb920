/// What one staged bulk operation does to a source's directory when its session is processed, and how it
/// counts in the session's report (reference §2.4–2.6): one function per operation.
extension OrgState {
    /// Applies `op` to `dir` at `time`, counting each entity in `report`.
    func apply(_ op: StagedOperation, to dir: inout SourceDirectory, report: inout ImportReport, at time: Double,
               names: inout AttributeNames, ids: inout SeededRandom) {
        switch op {
        case .upsertUsers(let items):
            for (externalId, profile) in items {
                upsertUser(externalId, profile, in: &dir, report: &report, at: time, names: names, ids: &ids)
            }
        case .deleteUsers(let externalIds):
            for externalId in externalIds { deactivateUser(externalId, in: &dir, report: &report, at: time) }
        case .upsertGroups(let items):
            for (externalId, profile) in items {
                upsertGroup(externalId, profile, in: &dir, report: &report, at: time, ids: &ids)
            }
        case .deleteGroups(let externalIds):
            for externalId in externalIds { deleteGroup(externalId, in: &dir, report: &report) }
        case .addMemberships(let items):
            for (group, members) in items { changeMembers(of: group, members, adding: true, in: &dir, report: &report, at: time) }
        case .removeMemberships(let items):
            for (group, members) in items { changeMembers(of: group, members, adding: false, in: &dir, report: &report, at: time) }
        }
    }

    /// Creates the user, reactivates it (with the new profile), updates a changed profile, or counts it
    /// unchanged; a new user missing a required field is counted as failed.
    private func upsertUser(_ externalId: String, _ profile: CompactProfile, in dir: inout SourceDirectory,
                            report: inout ImportReport, at time: Double, names: AttributeNames, ids: inout SeededRandom) {
        guard var user = dir.user(externalId) else {
            if missingRequired(profile, names) != nil {
                report.failed += 1
            } else {
                dir.put(UserRecord(externalId: externalId, idNumber: ids.next(), active: true, created: time,
                                   lastUpdated: time, profile: profile))
                report.created += 1
            }
            return
        }
        if user.active && user.profile == profile {
            report.unchanged += 1
            return
        }
        if !user.active {
            user.active = true
            report.reactivated += 1
        }
        user.profile = profile
        user.lastUpdated = time
        report.updated += 1
        dir.put(user)
    }

    /// Deactivates an active user; an inactive one is unchanged, an unknown one ignored.
    private func deactivateUser(_ externalId: String, in dir: inout SourceDirectory, report: inout ImportReport,
                                at time: Double) {
        guard var user = dir.user(externalId) else {
            report.ignored += 1
            return
        }
        guard user.active else {
            report.unchanged += 1
            return
        }
        user.active = false
        user.lastUpdated = time
        dir.put(user)
        report.deactivated += 1
    }

    /// Creates the group (a new `00g…` id, no members), updates a changed profile, or counts it unchanged.
    private func upsertGroup(_ externalId: String, _ profile: CompactProfile, in dir: inout SourceDirectory,
                             report: inout ImportReport, at time: Double, ids: inout SeededRandom) {
        guard var group = dir.group(externalId), group.externalId == externalId else {
            dir.putGroup(GroupRecord(externalId: externalId, id: ids.oktaID("00g"), profile: profile,
                                     created: time, lastUpdated: time, members: []))
            report.groupsCreated += 1
            return
        }
        guard group.profile != profile else {
            report.groupsUnchanged += 1
            return
        }
        group.profile = profile
        group.lastUpdated = time
        dir.putGroup(group)
        report.groupsUpdated += 1
    }

    /// Deletes a known group; an unknown one is ignored.
    private func deleteGroup(_ externalId: String, in dir: inout SourceDirectory, report: inout ImportReport) {
        guard dir.groups[externalId] != nil else {
            report.ignored += 1
            return
        }
        dir.removeGroup(externalId)
        report.groupsDeleted += 1
    }

    /// Adds (only users the directory has) or removes `members` of `groupId`. Ignored: unknown users, members
    /// not in the group on removal, every member of an unknown group; adding a member again counts nowhere.
    private func changeMembers(of groupId: String, _ members: [String], adding: Bool, in dir: inout SourceDirectory,
                               report: inout ImportReport, at time: Double) {
        guard var group = dir.groups[groupId] else {
            report.ignored += members.count
            return
        }
        var changed = false
        for member in members {
            if adding {
                guard dir.user(member) != nil else {
                    report.ignored += 1
                    continue
                }
                if group.members.insert(member).inserted {  // already a member: not counted
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
        guard changed else { return }
        group.lastUpdated = time
        dir.putGroup(group)
    }
}
