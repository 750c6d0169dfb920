import PluginKit

/// Turns LDIF records into xaas records according to ``LDIFSettings``: users, groups, memberships
/// (members resolved through a ``DNIndex``), and deletions from change records.
///
/// Values that are valid UTF-8 are handed over as text; values of binary types (`jpegPhoto`,
/// `userCertificate`, `objectGUID`, `;binary` options, `binaryAttributes`) and values that are not
/// valid UTF-8 are handed over as standard base64 text. Not thread-safe.
struct LDIFMapper {
    enum Role { case user, group, other }

    let settings: LDIFSettings
    let file: String
    /// Attributes that list group members (never copied onto group records).
    static let memberKeys: Set<String> = ["member", "uniquemember", "memberuid"]
    /// At most this many notes about one group's unresolved members, then a summary.
    static let notesPerGroup = 10

    /// Whether `entry` is a group, a user or neither (an `ou`, the suffix, …).
    func role(of entry: LDIFEntry) -> Role {
        let classes = entry.objectClasses
        if let groups = settings.groups, classes.contains(where: groups.objectClasses.contains) { return .group }
        if settings.userClasses.contains("*") || classes.contains(where: settings.userClasses.contains) { return .user }
        return .other
    }

    /// The normalised DN of `record`, or a located error.
    func normalizedDN(_ record: LDIFRecord) throws(LDIFError) -> String {
        do { return try DistinguishedName.normalize(record.dn) } catch {
            throw LDIFError(.sourceData, "\(record.location(file)): invalid DN: \(error.reason)")
        }
    }

    /// The externalId of an entry from attribute `key` (or `dn`), or a located error.
    func externalId(_ entry: LDIFEntry, _ record: LDIFRecord, key: String, setting: String) throws(LDIFError) -> String {
        if key == "dn" {
            let dn = try normalizedDN(record)
            guard !dn.isEmpty else { throw LDIFError(.sourceData, "\(record.location(file)): the empty DN cannot be an externalId") }
            return dn
        }
        guard let first = entry.values(key).first else {
            throw LDIFError(.sourceData, "\(record.location(file)): field `\(key)`: the entry has no such attribute, which \(setting) names; choose an attribute every entry has (entryUUID needs slapcat or `ldapsearch … '*' +`), or \"dn\"")
        }
        let id = text(first, AttributeDescription(setting: key))
        guard !id.isEmpty else {
            throw LDIFError(.sourceData, "\(record.location(file)): field `\(key)`: the externalId is empty")
        }
        return id
    }

    /// The record's status under the `status` setting.
    func status(_ entry: LDIFEntry) -> Record.Status {
        switch settings.status {
        case .allActive:
            return .active
        case .rule(let rule):
            let value = entry.values(AttributeDescription(setting: rule.attribute).key).first
            return rule.status(forValue: value.map { String(decoding: $0, as: UTF8.self) })
        case .lock(let attribute, let lockedValues):
            let values = entry.values(attribute)
            if values.isEmpty { return .active }
            if lockedValues.isEmpty { return .inactive }
            let locked = values.contains { lockedValues.contains(Self.trim(String(decoding: $0, as: UTF8.self).lowercased())) }
            return locked ? .inactive : .active
        }
    }

    /// The host-facing attributes: `dn` first, then every attribute not excluded.
    func attributes(_ entry: LDIFEntry, dn: String, group: Bool) -> [Record.Attribute] {
        var out = [Record.Attribute("dn", dn)]
        for (description, values) in entry.attributes {
            let type = description.lowercasedType
            if settings.excluded.contains(type) || (group && Self.memberKeys.contains(type)) { continue }
            let name = description.name
            for v in values { out.append(Record.Attribute(name, text(v, description))) }
        }
        return out
    }

    /// A value as text: UTF-8 as is; binary types and non-UTF-8 bytes as base64.
    func text(_ value: [UInt8], _ description: AttributeDescription) -> String {
        if settings.binary.contains(description.lowercasedType) || description.options.contains("binary") {
            return Base64.encode(value)
        }
        return String(validating: value, as: UTF8.self) ?? Base64.encode(value)
    }

    /// The membership record of a group: members resolved through `index`; unresolvable members
    /// become notes (never invented members).
    /// Members that are groups become `memberGroup` attributes (the host flattens nesting and detects
    /// cycles). `attribute` names the user-member attribute (`member`, or `memberAdded`/`memberRemoved`
    /// for a modify record); `byRDN` also resolves a DN outside the file through its first RDN when that
    /// RDN is the externalId attribute (change files name members that are not in the file).
    func membership(_ entry: LDIFEntry, _ record: LDIFRecord, groupId: String, index: DNIndex,
                    notes: inout [String], attribute: String = "member", byRDN: Bool = false) -> Record {
        var members: [Record.Attribute] = []
        var seen = Set<String>()
        var problems = 0
        func note(_ text: @autoclosure () -> String) {
            problems += 1
            if problems <= Self.notesPerGroup { notes.append("\(record.location(file)): \(text())") }
        }
        for (description, values) in entry.attributes where Self.memberKeys.contains(description.key) {
            let byUid = description.key == "memberuid"
            for raw in values {
                let value = String(decoding: raw, as: UTF8.self)
                let found: (externalId: String, kind: DNIndex.Kind)?
                if byUid {
                    found = index.lookup(uid: value.lowercased())
                } else {
                    let dn = description.key == "uniquemember" ? DistinguishedName.stripUniqueIdentifier(value) : value
                    guard let normalized = try? DistinguishedName.normalize(dn) else {
                        note("\(description.type) value #\(members.count + problems + 1) is not a valid DN; skipped")
                        continue
                    }
                    found = index.lookup(dn: normalized)
                }
                switch found {
                case let (id, kind)? where kind == .user:
                    if seen.insert(id).inserted { members.append(Record.Attribute(attribute, id)) }
                case let (id, _)?:
                    if seen.insert("g:" + id).inserted { members.append(Record.Attribute("memberGroup", id)) }
                default:
                    if byRDN, !byUid, let id = rdnExternalId(value), seen.insert(id).inserted {
                        members.append(Record.Attribute(attribute, id))
                    } else {
                        note("member \(value) is not a user in this export; not added")
                    }
                }
            }
        }
        if problems > Self.notesPerGroup {
            notes.append("\(record.location(file)): … and \(problems - Self.notesPerGroup) more unresolved members")
        }
        return Record(kind: .membership, externalId: groupId, status: .active, attributes: members)
    }

    /// The externalId a member DN names through its first RDN (`uid=jdoe,…` with externalId `uid`), or
    /// the normalised DN when the externalId is `dn`.
    func rdnExternalId(_ dn: String) -> String? {
        if settings.externalId == "dn" { return try? DistinguishedName.normalize(dn) }
        guard let rdn = try? DistinguishedName.firstRDN(dn) else { return nil }
        return rdn.first { $0.type.lowercased() == settings.externalId.lowercased() }?.value
    }

    static func trim(_ s: String) -> String {
        var t = Substring(s)
        while let f = t.first, f == " " || f == "\t" { t.removeFirst() }
        while let l = t.last, l == " " || l == "\t" { t.removeLast() }
        return String(t)
    }
}
