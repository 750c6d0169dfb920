import Foundation
import XaasSQLite

/// Persists the emulator's directory and sessions in a SQLite file, so an emulator restarted with the same
/// `statePath` finds its users, groups and sessions again. Writes only what changed since the last flush.
/// Threading: used only under the emulator's state lock.
final class EmulatorStore: @unchecked Sendable {  // unchecked: only touched under Emulator's Mutex
    private let db: SQLiteDatabase
    /// How many attribute names are already in the file.
    private var savedNames = 0

    init(path: String) throws {
        do {
            db = try SQLiteDatabase(path: path)
        } catch {
            throw EmulatorStoreError(description: "cannot open the emulator state file: \(error.message)")
        }
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

    // MARK: Loading

    /// Loads the file into `state` (orgs missing from the configuration are skipped).
    func load(into state: inout EmulatorState) throws {
        try db.query("SELECT idx, name FROM names ORDER BY idx") { row in
            _ = state.names.intern(row.text(1) ?? "")
            savedNames += 1
        }
        try db.query("SELECT key, value FROM meta") { row in
            switch row.text(0) {
            case "ids": if let v = row.text(1).flatMap(UInt64.init) { state.ids.state = v }
            case "clock": if state.clock.manual, let v = row.text(1).flatMap(Double.init) {
                state.clock.manualNow = max(state.clock.manualNow, v)
            }
            default: break
            }
        }
        try db.query("SELECT org, source, external_id, id, active, created, last_updated, profile FROM users") { users in
            guard let org = users.text(0), let source = users.text(1), let ext = users.text(2),
                  state.orgs[org]?.directories[source] != nil else { return }
            state.orgs[org]!.directories[source]!.restore(UserRecord(
                externalId: ext, idNumber: UInt64(bitPattern: users.int(3)), active: users.int(4) != 0,
                created: users.double(5), lastUpdated: users.double(6), profile: CompactProfile(bytes: users.blob(7))))
        }
        try db.query("SELECT org, source, external_id, id, created, last_updated, profile, members FROM groups") { groups in
            guard let org = groups.text(0), let source = groups.text(1), let ext = groups.text(2),
                  state.orgs[org]?.directories[source] != nil else { return }
            let members = (try? JSONSerialization.jsonObject(with: Data((groups.text(7) ?? "[]").utf8))) as? [String] ?? []
            state.orgs[org]!.directories[source]!.putGroup(GroupRecord(
                externalId: ext, id: groups.text(3) ?? "", profile: CompactProfile(bytes: groups.blob(6)),
                created: groups.double(4), lastUpdated: groups.double(5), members: Set(members)), dirty: false)
        }
        try loadSessions(into: &state)
    }

    private func loadSessions(into state: inout EmulatorState) throws {
        try db.query("""
            SELECT org, id, source, status, created, last_updated, last_activity, triggered_at, finished_at, report,
              error, pending_error, operations FROM sessions ORDER BY seq
            """) { rows in
            guard let orgName = rows.text(0), var org = state.orgs[orgName], let id = rows.text(1),
                  let source = rows.text(2), let status = rows.text(3).flatMap(SessionStatus.init(rawValue:)) else { return }
            var s = EmulatorSession(id: id, source: source, status: status, created: rows.double(4),
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
        try db.transaction {
            if state.resetStore {
                try db.execute("DELETE FROM users; DELETE FROM groups; DELETE FROM sessions;")
                state.resetStore = false
            }
            let name = "INSERT OR REPLACE INTO names(idx, name) VALUES(?, ?)"
            while savedNames < state.names.names.count {
                try db.run(name, [.int(Int64(savedNames)), .text(state.names.names[savedNames])])
                savedNames += 1
            }
            let meta = "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"
            try db.run(meta, [.text("ids"), .text(String(state.ids.state))])
            try db.run(meta, [.text("clock"), .text(String(state.clock.now))])
            for orgName in Array(state.orgs.keys) {
                guard var org = state.orgs.removeValue(forKey: orgName) else { continue }
                defer { state.orgs[orgName] = org }
                try flush(org: orgName, &org)
            }
        }
    }

    private func flush(org name: String, _ org: inout OrgState) throws {
        let user = """
            INSERT OR REPLACE INTO users(org, source, external_id, id, active, created, last_updated, profile)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?)
            """
        let group = """
            INSERT OR REPLACE INTO groups(org, source, external_id, id, created, last_updated, profile, members)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?)
            """
        let dropGroup = "DELETE FROM groups WHERE org = ? AND source = ? AND external_id = ?"
        for source in Array(org.directories.keys) {
            guard var dir = org.directories[source] else { continue }
            for i in dir.dirtyUsers {
                let u = dir.users[i]
                try db.run(user, [.text(name), .text(source), .text(u.externalId), .int(Int64(bitPattern: u.idNumber)),
                                  .int(u.active ? 1 : 0), .double(u.created), .double(u.lastUpdated), .blob(u.profile.bytes)])
            }
            for ext in dir.dirtyGroups {
                if let g = dir.groups[ext] {
                    let members = String(decoding: JSONBody.encode(g.members.sorted()), as: UTF8.self)
                    try db.run(group, [.text(name), .text(source), .text(ext), .text(g.id), .double(g.created),
                                       .double(g.lastUpdated), .blob(g.profile.bytes), .text(members)])
                } else {
                    try db.run(dropGroup, [.text(name), .text(source), .text(ext)])
                }
            }
            dir.dirtyUsers = []
            dir.dirtyGroups = []
            org.directories[source] = dir
        }
        let session = """
            INSERT OR REPLACE INTO sessions(org, id, source, seq, status, created, last_updated, last_activity,
              triggered_at, finished_at, report, error, pending_error, operations)
            VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        for id in org.dirtySessions {
            guard let s = org.sessions[id] else { continue }
            let seq = org.sessionOrder.firstIndex(of: id) ?? 0
            try db.run(session, [.text(name), .text(id), .text(s.source), .int(Int64(seq)), .text(s.status.rawValue),
                                 .double(s.created), .double(s.lastUpdated), .double(s.lastActivity),
                                 s.triggeredAt.map { .double($0) } ?? .null, s.finishedAt.map { .double($0) } ?? .null,
                                 .text(String(decoding: JSONBody.encode(s.report.json), as: UTF8.self)),
                                 .optional(s.errorReason), .optional(s.pendingError),
                                 .text(Self.encodeOperations(s.operations))])
        }
        org.dirtySessions = []
    }

    // MARK: Staged operations as JSON

    static func encodeOperations(_ ops: [StagedOperation]) -> String {
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

    static func decodeOperations(_ text: String) -> [StagedOperation] {
        guard let list = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] else { return [] }
        return list.compactMap { entry -> StagedOperation? in
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

/// The emulator's state file could not be opened (the path and SQLite's reason are in the message).
struct EmulatorStoreError: Error, CustomStringConvertible {
    var description: String
}
