import Foundation

/// Persists the emulator's directory and sessions in a SQLite file, so an emulator restarted with the same
/// `statePath` finds its users, groups and sessions again. Writes only what changed since the last flush.
/// Threading: used only under the emulator's state lock.
final class StateStore: @unchecked Sendable {  // unchecked: only touched under Emulator's Mutex
    private let db: SQLiteDatabase
    /// How many attribute names are already in the file.
    private var savedNames = 0

    init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS names(idx INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS users(org TEXT, source TEXT, external_id TEXT, id INTEGER, active INTEGER,
              created REAL, last_updated REAL, profile BLOB, PRIMARY KEY(org, source, external_id));
            CREATE TABLE IF NOT EXISTS groups(org TEXT, source TEXT, external_id TEXT, id TEXT, created REAL,
              last_updated REAL, profile BLOB, members TEXT, PRIMARY KEY(org, source, external_id));
            CREATE TABLE IF NOT EXISTS sessions(org TEXT, id TEXT, source TEXT, seq INTEGER, status TEXT, created REAL,
              last_updated REAL, last_activity REAL, triggered_at REAL, finished_at REAL, report TEXT, error TEXT,
              pending_error TEXT, operations TEXT, PRIMARY KEY(org, id));
            """)
    }

    func close() { db.close() }

    // MARK: Loading

    /// Loads the file into `state` (orgs missing from the configuration are skipped).
    func load(into state: inout EmulatorState) throws {
        let names = try db.prepare("SELECT idx, name FROM names ORDER BY idx")
        while names.step() {
            _ = state.names.intern(names.text(1) ?? "")
            savedNames += 1
        }
        let meta = try db.prepare("SELECT key, value FROM meta")
        while meta.step() {
            switch meta.text(0) {
            case "ids": if let v = meta.text(1).flatMap(UInt64.init) { state.ids.state = v }
            case "clock": if state.clock.manual, let v = meta.text(1).flatMap(Double.init) {
                state.clock.manualNow = max(state.clock.manualNow, v)
            }
            default: break
            }
        }
        let users = try db.prepare("SELECT org, source, external_id, id, active, created, last_updated, profile FROM users")
        while users.step() {
            guard let org = users.text(0), let source = users.text(1), let ext = users.text(2),
                  state.orgs[org]?.directories[source] != nil else { continue }
            state.orgs[org]!.directories[source]!.restore(UserRecord(
                externalId: ext, idNumber: UInt64(bitPattern: users.int(3)), active: users.int(4) != 0,
                created: users.double(5), lastUpdated: users.double(6), profile: CompactProfile(bytes: users.blob(7))))
        }
        let groups = try db.prepare("SELECT org, source, external_id, id, created, last_updated, profile, members FROM groups")
        while groups.step() {
            guard let org = groups.text(0), let source = groups.text(1), let ext = groups.text(2),
                  state.orgs[org]?.directories[source] != nil else { continue }
            let members = (try? JSONSerialization.jsonObject(with: Data((groups.text(7) ?? "[]").utf8))) as? [String] ?? []
            state.orgs[org]!.directories[source]!.putGroup(GroupRecord(
                externalId: ext, id: groups.text(3) ?? "", profile: CompactProfile(bytes: groups.blob(6)),
                created: groups.double(4), lastUpdated: groups.double(5), members: Set(members)), dirty: false)
        }
        try loadSessions(into: &state)
    }

    private func loadSessions(into state: inout EmulatorState) throws {
        let rows = try db.prepare("""
            SELECT org, id, source, status, created, last_updated, last_activity, triggered_at, finished_at, report,
              error, pending_error, operations FROM sessions ORDER BY seq
            """)
        while rows.step() {
            guard let orgName = rows.text(0), var org = state.orgs[orgName], let id = rows.text(1),
                  let source = rows.text(2), let status = rows.text(3).flatMap(SessionStatus.init(rawValue:)) else { continue }
            var s = ImportSession(id: id, source: source, status: status, created: rows.double(4),
                                  lastUpdated: rows.double(5), lastActivity: rows.double(6))
            s.triggeredAt = rows.isNull(7) ? nil : rows.double(7)
            s.finishedAt = rows.isNull(8) ? nil : rows.double(8)
            let report = (try? JSONSerialization.jsonObject(with: Data((rows.text(9) ?? "{}").utf8))) as? [String: Any]
            s.report = ImportReport(json: report ?? [:])
            s.errorReason = rows.text(10)
            s.pendingError = rows.text(11)
            s.operations = Self.decodeOperations(rows.text(12) ?? "[]")
            org.sessions[id] = s
            org.sessionOrder.append(id)
            if let t = s.triggeredAt, t >= (org.lastTrigger[source]?.at ?? -1) { org.lastTrigger[source] = (id, t) }
            if let f = s.finishedAt { org.lastFinished[source] = max(org.lastFinished[source] ?? 0, f) }
            state.orgs[orgName] = org
        }
        for (name, var org) in state.orgs {
            let triggered = org.sessionOrder.compactMap { org.sessions[$0] }.filter { $0.status == .triggered }
            for s in triggered.sorted(by: { ($0.triggeredAt ?? 0) < ($1.triggeredAt ?? 0) }) {
                org.queues[s.source, default: []].append(s.id)
            }
            state.orgs[name] = org
        }
    }

    // MARK: Flushing

    /// Writes every changed user, group and session, the attribute names and the ID generator, in one transaction.
    func flush(_ state: inout EmulatorState) throws {
        let anything = state.resetStore || savedNames < state.names.names.count
            || state.orgs.values.contains { org in
                !org.dirtySessions.isEmpty || org.directories.values.contains { !$0.dirtyUsers.isEmpty || !$0.dirtyGroups.isEmpty }
            }
        guard anything else { return }
        try db.execute("BEGIN IMMEDIATE")
        do {
            if state.resetStore {
                try db.execute("DELETE FROM users; DELETE FROM groups; DELETE FROM sessions;")
                state.resetStore = false
            }
            let name = try db.prepare("INSERT OR REPLACE INTO names(idx, name) VALUES(?, ?)")
            while savedNames < state.names.names.count {
                try name.run([savedNames, state.names.names[savedNames]])
                savedNames += 1
            }
            let meta = try db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)")
            try meta.run(["ids", String(state.ids.state)])
            try meta.run(["clock", String(state.clock.now)])
            for orgName in Array(state.orgs.keys) {
                guard var org = state.orgs.removeValue(forKey: orgName) else { continue }
                defer { state.orgs[orgName] = org }
                try flush(org: orgName, &org)
            }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    private func flush(org name: String, _ org: inout OrgState) throws {
        let user = try db.prepare("""
            INSERT OR REPLACE INTO users(org, source, external_id, id, active, created, last_updated, profile)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let group = try db.prepare("""
            INSERT OR REPLACE INTO groups(org, source, external_id, id, created, last_updated, profile, members)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let dropGroup = try db.prepare("DELETE FROM groups WHERE org = ? AND source = ? AND external_id = ?")
        for source in Array(org.directories.keys) {
            guard var dir = org.directories[source] else { continue }
            for i in dir.dirtyUsers {
                let u = dir.users[i]
                try user.run([name, source, u.externalId, Int64(bitPattern: u.idNumber), u.active ? 1 : 0, u.created,
                              u.lastUpdated, u.profile.bytes])
            }
            for ext in dir.dirtyGroups {
                if let g = dir.groups[ext] {
                    let members = String(decoding: JSONBody.encode(g.members.sorted()), as: UTF8.self)
                    try group.run([name, source, ext, g.id, g.created, g.lastUpdated, g.profile.bytes, members])
                } else {
                    try dropGroup.run([name, source, ext])
                }
            }
            dir.dirtyUsers = []
            dir.dirtyGroups = []
            org.directories[source] = dir
        }
        let session = try db.prepare("""
            INSERT OR REPLACE INTO sessions(org, id, source, seq, status, created, last_updated, last_activity,
              triggered_at, finished_at, report, error, pending_error, operations)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for id in org.dirtySessions {
            guard let s = org.sessions[id] else { continue }
            let seq = org.sessionOrder.firstIndex(of: id) ?? 0
            try session.run([name, id, s.source, seq, s.status.rawValue, s.created, s.lastUpdated, s.lastActivity,
                             s.triggeredAt, s.finishedAt, String(decoding: JSONBody.encode(s.report.json), as: UTF8.self),
                             s.errorReason, s.pendingError, Self.encodeOperations(s.operations)])
        }
        org.dirtySessions = []
    }

    // MARK: Staged operations as JSON

    static func encodeOperations(_ ops: [BulkOperation]) -> String {
        let list: [[String: Any]] = ops.map { op in
            switch op {
            case .upsertUsers(let items), .upsertGroups(let items):
                return ["op": op.endpoint, "items": items.map { [$0.externalId, Data($0.profile.bytes).base64EncodedString()] }]
            case .deleteUsers(let ids), .deleteGroups(let ids):
                return ["op": op.endpoint, "ids": ids]
            case .addMemberships(let items), .removeMemberships(let items):
                return ["op": op.endpoint, "items": items.map { ["group": $0.group, "members": $0.members] as [String: Any] }]
            }
        }
        return String(decoding: JSONBody.encode(list), as: UTF8.self)
    }

    static func decodeOperations(_ text: String) -> [BulkOperation] {
        guard let list = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] else { return [] }
        return list.compactMap { entry -> BulkOperation? in
            let op = entry["op"] as? String ?? ""
            let ids = entry["ids"] as? [String] ?? []
            let pairs = (entry["items"] as? [[String]] ?? []).compactMap { p -> (externalId: String, profile: CompactProfile)? in
                guard p.count == 2, let data = Data(base64Encoded: p[1]) else { return nil }
                return (p[0], CompactProfile(bytes: Array(data)))
            }
            let memberships = (entry["items"] as? [[String: Any]] ?? []).map {
                (group: $0["group"] as? String ?? "", members: $0["members"] as? [String] ?? [])
            }
            switch op {
            case "bulk-upsert": return .upsertUsers(pairs)
            case "bulk-groups-upsert": return .upsertGroups(pairs)
            case "bulk-delete": return .deleteUsers(ids)
            case "bulk-groups-delete": return .deleteGroups(ids)
            case "bulk-group-memberships-upsert": return .addMemberships(memberships)
            case "bulk-group-memberships-delete": return .removeMemberships(memberships)
            default: return nil
            }
        }
    }
}
