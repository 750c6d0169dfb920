/// One step of applying a plan: which entries, through which bulk endpoint.
struct ApplyPhase: Sendable {
    var kind: EntityKind
    var actions: [PlanAction]
    var operation: BulkOperation

    /// The order inside a run, so that no request names an entity Okta has not received: user upserts,
    /// group upserts, membership adds, membership removals, group deletes, user deactivations.
    static let order: [ApplyPhase] = [
        ApplyPhase(kind: .user, actions: [.create, .update], operation: .upsertUsers),
        ApplyPhase(kind: .group, actions: [.create, .update], operation: .upsertGroups),
        ApplyPhase(kind: .membership, actions: [.create], operation: .upsertMemberships),
        ApplyPhase(kind: .membership, actions: [.deactivate], operation: .deleteMemberships),
        ApplyPhase(kind: .group, actions: [.deactivate], operation: .deleteGroups),
        ApplyPhase(kind: .user, actions: [.deactivate], operation: .deleteUsers),
    ]
}

extension SessionRunner {
    /// Sends membership pairs (plan entries ordered by group) as `{"groupExternalId", "memberExternalIds"}`
    /// entries: one entry per group and request, ≤ 200 entries (Okta counts entries) and ≤ the byte limit
    /// per request. A group's member list fills whatever room the current request has left and continues
    /// in the next, so requests are packed to the floor by entries and by bytes.
    func applyMembershipPhase(_ operation: BulkOperation, _ fetch: (Int64) throws -> [PlanEntry]) async throws {
        var batcher = makeBatcher(operation)
        var pending: [(JournalEntity, PlanAction)] = []
        var group: String?
        var members: [(id: String, size: Int, entry: PlanEntry)] = []
        try await forEachEntry(fetch) { e in
            guard let pair = MembershipKey.split(e.externalId) else { return }
            if pair.group != group {
                if let group { try await flush(group, &members, &batcher, &pending, operation) }
                group = pair.group
            }
            members.append((pair.member, BulkBatcher.jsonSize(pair.member), e))
        }
        if let group { try await flush(group, &members, &batcher, &pending, operation) }
        try await send(operation, &batcher, &pending)
    }

    /// Appends `group`'s parked members to the batch, sending full requests on the way.
    private func flush(_ group: String, _ members: inout [(id: String, size: Int, entry: PlanEntry)],
                       _ batcher: inout BulkBatcher, _ pending: inout [(JournalEntity, PlanAction)],
                       _ operation: BulkOperation) async throws {
        // {"groupExternalId":"g","memberExternalIds":[…]}
        let overhead = #"{"groupExternalId":,"memberExternalIds":[]}"#.utf8.count + BulkBatcher.jsonSize(group)
        let envelope = operation.envelope.prefix.count + operation.envelope.suffix.count
        var start = 0
        while start < members.count {
            if batcher.count >= batcher.maxEntities { try await send(operation, &batcher, &pending) }
            let used = batcher.isEmpty ? envelope : batcher.byteCount + 1
            var room = batcher.maxBytes - used - overhead
            var end = start
            while end < members.count {
                let cost = members[end].size + (end > start ? 1 : 0)
                if cost > room { break }
                room -= cost
                end += 1
            }
            if end == start {
                guard !batcher.isEmpty else {
                    throw SyncError("group \"\(group)\": member \"\(members[start].id.prefix(40))\" alone exceeds the request size limit")
                }
                try await send(operation, &batcher, &pending)
                continue
            }
            let appended = batcher.append(.membership(groupExternalId: group, memberExternalIds: members[start..<end].map(\.id)))
            precondition(appended, "membership entry sized to fit was refused")
            for m in members[start..<end] {
                pending.append((JournalEntity(kind: m.entry.kind, externalId: m.entry.externalId, status: m.entry.status,
                                              hash: m.entry.hash, profileJSON: nil), m.entry.action))
            }
            start = end
            if start < members.count { try await send(operation, &batcher, &pending) }
        }
        members.removeAll(keepingCapacity: true)
    }
}
