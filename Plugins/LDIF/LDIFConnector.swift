import Glibc
import PluginAPI
import PluginKit
import Synchronization

/// The `ldif` connector: users, groups and memberships from an LDIF file written by `slapcat`,
/// `ldapsearch` or any RFC 2849 writer (see docs/connectors.md, "LDIF connector").
///
/// A read makes two streaming passes over the file. Pass 1 emits users and groups and fills a
/// compact ``DNIndex`` (normalised DN → externalId); pass 2, run only when pass 1 met a group,
/// emits one membership record per group with member DNs resolved through the index. Pass 1 notes
/// where each record that pass 2 needs (group entries, member changes) starts, so pass 2 jumps from
/// one to the next instead of parsing every user again. Memory is one record plus one page (at most
/// ``valuesPerPage`` values) plus the index (see ``DNIndex`` for its bound), never the whole file.
///
/// ## Cursors
/// `u:<offset>:<line>` / `m:<offset>:<line>`: the pass and the byte offset and line of the next
/// record. A cursor this instance did not just hand out reopens the file there (rebuilding the
/// index first for a pass-2 cursor).
///
/// ## Threading
/// `[instance-serial]` for everything except ``cancel()``, which is thread-safe (an atomic flag).
final class LDIFConnector: Connector {
    static let info = ConnectorInfo(
        id: "org.xaas.ldif", name: "ldif", version: "1.0.0",
        description: "Users, groups and memberships from an LDIF file (slapcat, ldapsearch, RFC 2849)",
        sourceKind: "file",
        capabilities: [.check, .deletes, .groups, .memberships, .cancel],
        settingsSchema: LDIFSettings.schema)

    private enum Phase: String { case users = "u", memberships = "m" }

    private let settings: LDIFSettings
    private let mapper: LDIFMapper
    private let host: HostServices
    /// Set by `cancel()` from any thread; cleared when a page starts.
    private let cancelRequested = Atomic<Bool>(false)

    // Read state, touched only by instance-serial calls.
    private var reader: LDIFRecordReader?
    private var phase = Phase.users
    private var index = DNIndex()
    private var indexComplete = false
    private var groupsSeen = 0
    /// Where each record pass 2 needs starts (file order), and the next one pass 2 has not reached.
    private var groupPositions: [(offset: UInt64, line: Int)] = []
    private var nextGroup = 0
    private var sawContent = false
    private var sawChange = false
    private var handedOutCursor: String?

    init(settings: Settings, host: HostServices) throws {
        let parsed = try LDIFSettings(settings)
        self.settings = parsed
        mapper = LDIFMapper(settings: parsed, file: parsed.path)
        self.host = host
    }

    func check() throws {
        guard access(settings.path, R_OK) == 0 else {
            let code = errno
            let text = "cannot read \(settings.path): \(String(cString: strerror(code)))"
            throw code == ENOENT ? ConnectorError.notFound(text) : ConnectorError.permission(text)
        }
    }

    func cancel() { cancelRequested.store(true, ordering: .relaxed) }

    func readPage(_ request: PageRequest) throws -> Page {
        do {
            return try page(request)
        } catch let error as LDIFError {
            reader = nil
            handedOutCursor = nil
            throw error.connectorError
        }
    }

    private func page(_ request: PageRequest) throws -> Page {
        cancelRequested.store(false, ordering: .relaxed)
        if let cursor = request.cursor {
            if cursor != handedOutCursor || reader == nil { try resume(cursor) }
            handedOutCursor = nil
        } else {
            try restart()
        }
        var batch = Batch()
        while batch.records.count < request.pageSizeHint, batch.values < Self.valuesPerPage {
            if cancelRequested.load(ordering: .relaxed) || host.isCancelled { throw LDIFError(.cancelled, "cancelled") }
            if phase == .memberships, reader != nil, try !skipToNextGroup() { reader = nil }
            guard let reader else { break }
            guard let record = try reader.next() else {
                if phase == .users {
                    indexComplete = true
                    if groupsSeen > 0 {
                        phase = .memberships
                        nextGroup = 0
                        self.reader = try open(offset: 0, line: 1)
                        continue
                    }
                }
                self.reader = nil
                break
            }
            let before = batch.records.count
            switch phase {
            case .users: try usersPass(record, &batch)
            case .memberships: try membershipPass(record, &batch)
            }
            for added in batch.records[before...] { batch.values += added.attributes.count }
        }
        let next = reader.map { r in "\(phase.rawValue):\(r.position.offset):\(r.position.line)" }
        handedOutCursor = next
        return Page(records: batch.records, nextCursor: next, incremental: settings.changeRecords,
                    skippedCount: batch.skipped, notes: batch.notes)
    }

    /// A page also ends once its records hold this many attribute values: a group's membership record
    /// can list thousands of members, and a page of 1,000 of them would take tens of MB.
    static let valuesPerPage = 20_000

    /// What one page collects.
    struct Batch {
        var records: [Record] = []
        var values = 0
        var notes: [String] = []
        var skipped = 0
    }

    // MARK: - Positioning

    private func open(offset: UInt64, line: Int) throws(LDIFError) -> LDIFRecordReader {
        try LDIFRecordReader(path: settings.path, offset: offset, line: line, urlDirectory: settings.urlDirectory)
    }

    private func restart() throws {
        index = DNIndex()
        indexComplete = false
        groupsSeen = 0
        groupPositions = []
        nextGroup = 0
        sawContent = false
        sawChange = false
        phase = .users
        reader = try open(offset: 0, line: 1)
    }

    private func resume(_ cursor: String) throws {
        let parts = cursor.split(separator: ":")
        guard parts.count == 3, let p = Phase(rawValue: String(parts[0])),
              let offset = UInt64(parts[1]), let line = Int(parts[2]), line >= 1 else {
            throw ConnectorError(status: XAAS_INVALID_ARGUMENT, "read_page: cursor `\(cursor)` was not made by the ldif connector")
        }
        // A cursor this instance did not hand out: rebuild the index (and pass-1 state) from the
        // records before it — all of them for a pass-2 cursor — without emitting anything.
        try restart()
        var ignored = Batch()
        while p == .memberships || reader!.position.offset < offset {
            guard let record = try reader!.next() else { break }
            try usersPass(record, &ignored)
        }
        if p == .memberships { indexComplete = true }
        phase = p
        reader = try open(offset: offset, line: line)
    }

    /// Pass 2: moves the reader to the next record pass 1 noted, unless it is there already; false
    /// when none is left.
    private func skipToNextGroup() throws(LDIFError) -> Bool {
        guard let reader else { return false }
        let at = reader.position.offset
        while nextGroup < groupPositions.count, groupPositions[nextGroup].offset < at { nextGroup += 1 }
        guard nextGroup < groupPositions.count else { return false }
        let target = groupPositions[nextGroup]
        if target.offset > at { self.reader = try open(offset: target.offset, line: target.line) }
        return true
    }

    // MARK: - Pass 1: users and groups

    private func usersPass(_ r: LDIFRecord, _ batch: inout Batch) throws(LDIFError) {
        let groupsBefore = groupsSeen
        defer { if groupsSeen > groupsBefore { groupPositions.append((r.offset, r.line)) } }
        let isChange = settings.changeRecords ? r.change != nil : (r.change != nil && r.change != .add)
        if isChange, !settings.changeRecords {
            throw LDIFError(.sourceData, "\(r.location(settings.path)): `changetype: \(r.change!.rawValue)` is a change record; set settings.changeRecords to true to read change files")
        }
        if isChange { sawChange = true } else { sawContent = true }
        if sawChange, sawContent {
            throw LDIFError(.sourceData, "\(r.location(settings.path)): the file mixes content records and change records (RFC 2849 allows one kind per file)")
        }
        switch r.change {
        case nil, .add?:
            let entry = LDIFEntry(r.values)
            try addEntry(entry, r, &batch)
        case .modify?:
            let entry = LDIFEntry(modifications: r.modifications)
            guard let (role, id) = try changeTarget(r, entry, &batch) else { return }
            if role == .group {
                if touchesMembers(r) { groupsSeen += 1 }
                batch.records.append(Record(kind: .group, externalId: id, status: .active,
                                            attributes: mapper.attributes(entry, dn: r.dn, group: true)))
            } else {
                let hasStatus = statusAttribute.map { !entry.values($0).isEmpty } ?? false
                batch.records.append(Record(kind: .user, externalId: id, status: hasStatus ? mapper.status(entry) : .active,
                                            attributes: mapper.attributes(entry, dn: r.dn, group: false)))
            }
        case .delete?:
            guard let (role, id) = try changeTarget(r, LDIFEntry([]), &batch) else { return }
            batch.records.append(Record(kind: role == .group ? .group : .user, externalId: id, status: .deleted,
                                        attributes: [Record.Attribute("dn", r.dn)]))
        case .modrdn?, .moddn?:
            batch.skipped += 1
            batch.notes.append("\(r.location(settings.path)): changetype \(r.change!.rawValue) is not supported; record skipped")
        }
    }

    private func addEntry(_ entry: LDIFEntry, _ r: LDIFRecord, _ batch: inout Batch) throws(LDIFError) {
        switch mapper.role(of: entry) {
        case .other:
            return
        case .user:
            let id = try mapper.externalId(entry, r, key: settings.externalId, setting: "settings.externalId")
            // The index serves membership resolution and change records only.
            guard settings.groups != nil || settings.changeRecords else {
                _ = try mapper.normalizedDN(r)  // still reject an invalid DN, with its line
                batch.records.append(Record(kind: .user, externalId: id, status: mapper.status(entry),
                                            attributes: mapper.attributes(entry, dn: r.dn, group: false)))
                return
            }
            // posixGroup names its members by uid (memberUid).
            let uids = settings.groups?.objectClasses.contains("posixgroup") == true
                ? entry.values("uid").map { String(decoding: $0, as: UTF8.self).lowercased() } : []
            index.insert(dn: try mapper.normalizedDN(r), uids: uids, externalId: id, kind: .user)
            batch.records.append(Record(kind: .user, externalId: id, status: mapper.status(entry),
                                        attributes: mapper.attributes(entry, dn: r.dn, group: false)))
        case .group:
            let id = try mapper.externalId(entry, r, key: settings.groups!.externalId, setting: "settings.groups.externalId")
            index.insert(dn: try mapper.normalizedDN(r), externalId: id, kind: .group)
            groupsSeen += 1
            batch.records.append(Record(kind: .group, externalId: id, status: .active,
                                        attributes: mapper.attributes(entry, dn: r.dn, group: true)))
        }
    }

    private var statusAttribute: String? {
        switch settings.status {
        case .allActive: return nil
        case .rule(let rule): return AttributeDescription(setting: rule.attribute).key
        case .lock(let attribute, _): return attribute
        }
    }

    private func touchesMembers(_ r: LDIFRecord) -> Bool {
        r.modifications.contains { LDIFMapper.memberKeys.contains($0.description.key) }
    }

    /// The role and externalId a modify/delete record applies to, or `nil` (with a note) when the
    /// externalId cannot be known from the record, the index, or the DN's first RDN.
    private func changeTarget(_ r: LDIFRecord, _ entry: LDIFEntry, _ batch: inout Batch) throws(LDIFError) -> (LDIFMapper.Role, String)? {
        let known = index.lookup(dn: try mapper.normalizedDN(r))
        var role: LDIFMapper.Role = .user
        if known?.kind == .group || touchesMembers(r) { role = .group }
        else if known == nil, !entry.objectClasses.isEmpty { role = mapper.role(of: entry) }
        if role == .other { return nil }
        let key = role == .group ? (settings.groups?.externalId ?? settings.externalId) : settings.externalId
        if key == "dn" { return (role, try mapper.normalizedDN(r)) }
        if !entry.values(key).isEmpty {
            return (role, try mapper.externalId(entry, r, key: key, setting: "settings.externalId"))
        }
        if let known { return (role, known.externalId) }
        if let rdn = try? DistinguishedName.firstRDN(r.dn), let match = rdn.first(where: { $0.type == key }) {
            return (role, match.value)
        }
        batch.skipped += 1
        batch.notes.append("\(r.location(settings.path)): cannot tell the externalId (`\(key)`) of this \(r.change!.rawValue) record: it is not in the record, its DN, or an earlier record of the file; skipped")
        return nil
    }

    // MARK: - Pass 2: memberships

    private func membershipPass(_ r: LDIFRecord, _ batch: inout Batch) throws(LDIFError) {
        guard let groups = settings.groups else { return }
        switch r.change {
        case nil, .add?:
            let entry = LDIFEntry(r.values)
            guard mapper.role(of: entry) == .group else { return }
            let id = try mapper.externalId(entry, r, key: groups.externalId, setting: "settings.groups.externalId")
            batch.records.append(mapper.membership(entry, r, groupId: id, index: index, notes: &batch.notes))
        case .modify?:
            guard touchesMembers(r) else { return }
            var ignored = Batch()
            guard let (_, id) = try changeTarget(r, LDIFEntry(modifications: r.modifications), &ignored) else { return }
            // replace: the group's whole list; add:/delete: single pairs (memberAdded/memberRemoved).
            var attributes: [Record.Attribute] = []
            var listed = false
            for m in r.modifications where LDIFMapper.memberKeys.contains(m.description.key) {
                let name: String
                switch m.operation {
                case "replace": name = "member"; listed = true
                case "add": name = "memberAdded"
                default:
                    guard !m.values.isEmpty else { name = "member"; listed = true; continue }  // delete all
                    name = "memberRemoved"
                }
                var values = m
                values.operation = "add"
                attributes += mapper.membership(LDIFEntry(modifications: [values]), r, groupId: id, index: index,
                                                notes: &batch.notes, attribute: name, byRDN: true).attributes
            }
            if listed || !attributes.isEmpty {
                batch.records.append(Record(kind: .membership, externalId: id, status: .active, attributes: attributes))
            }
        case .delete?, .modrdn?, .moddn?:
            return
        }
    }
}

private let descriptor = PluginExport.makeDescriptor(LDIFConnector.self)

/// The plugin entry point (`xaas_plugin_entry_v1`): the static descriptor of the `ldif` connector.
@c(xaas_plugin_entry_v1)
public func xaasPluginEntry(_ host: UnsafePointer<xaas_host_info>?) -> UnsafePointer<xaas_plugin_descriptor>? {
    PluginExport.entry(host, descriptor)
}
