import Foundation
import PluginKit
import XaasJSON

/// Groups with `delta` on: `/groups/delta` rounds whose deltaLink is checkpointed next to the users' one.
///
/// - A whole round (no saved groups deltaLink, or it expired): a group record per group, then each group's
///   full member list read as in a list read (`/members` or `/transitiveMembers`).
/// - A changes round (from the saved deltaLink, in an incremental read): `@removed` groups become group
///   records with status `deleted`; groups whose properties changed become group records; `members@delta`
///   entries become `memberAdded` / `memberRemoved` pairs when they can be used as they are
///   (``GraphSettings/membersFromDelta``), otherwise the changed group's member list is read again (an
///   incremental list record replaces that group's members).
extension GraphConnector {
    /// The groups cursor after the users' last delta page: a changes round from the saved groups deltaLink
    /// when the users' round is incremental too, else a whole round.
    func groupsDeltaStart(usersDelta: String, incremental: Bool, saved: String?) -> GraphCursor {
        let usable = saved.flatMap { URL(string: $0) }.map { GraphSettings.origin(of: $0) == settings.origin } ?? false
        var cursor = GraphCursor(phase: .groupsDelta, url: incremental && usable ? saved : settings.firstGroupsDeltaURL,
                                 incremental: incremental)
        cursor.usersDelta = usersDelta
        cursor.changes = incremental && usable
        return cursor
    }

    /// The checkpoint of a finished delta read with groups (`nil` when not in a delta read).
    func finalCheckpoint(_ cursor: GraphCursor) -> String? {
        guard let usersDelta = cursor.usersDelta else { return nil }
        return DeltaCheckpoint(deltaLink: usersDelta, select: settings.selectText, groupsDeltaLink: cursor.groupsDelta).text
    }

    /// One `/groups/delta` page.
    func readGroupsDelta(_ cursor: GraphCursor) throws -> Page {
        guard let url = cursor.url else { throw ConnectorError.internalError("groups delta cursor without a link") }
        let json: JSONValue
        switch try client.get(url, headers: ["Prefer": "odata.maxpagesize=\(settings.pageSize)"], allowResync: true,
                              followingLink: url != settings.firstGroupsDeltaURL) {
        case .ok(let body): json = body
        case .resync(let reason):
            guard cursor.changes else {
                throw ConnectorError.sourceData("\(Self.display(url)): \(reason) during the read; run again (the next run starts over)")
            }
            var restart = cursor.carrying(.groupsDelta, url: settings.firstGroupsDeltaURL)
            restart.changes = false
            var page = try readGroupsDelta(restart)
            page.notes.insert("groups: \(reason); reading every group again (their members replace the saved ones)", at: 0)
            return page
        }
        guard let items = json["value"]?.arrayValue else {
            throw ConnectorError.sourceData("\(Self.display(url)): the response has no \"value\" array")
        }
        var records: [Record] = []
        var pending: [String] = []
        var notes: [String] = []
        for (i, item) in items.enumerated() {
            guard case .object(let members) = item, let id = item["id"]?.stringValue, !id.isEmpty else {
                throw ConnectorError.sourceData("\(Self.display(url)): value[\(i)] is not a group object with an id")
            }
            if item["@removed"] != nil {
                records.append(Record(kind: .group, externalId: id, status: .deleted))
                continue
            }
            if let group = try groupRecord(id: id, members: members, whole: !cursor.changes) { records.append(group) }
            let memberChanges = item["members@delta"]?.arrayValue ?? []
            if !cursor.changes || (!memberChanges.isEmpty && !settings.membersFromDelta) {
                if !pending.contains(id) { pending.append(id) }
            } else if !memberChanges.isEmpty {
                records.append(membershipChanges(group: id, memberChanges, notes: &notes))
            }
        }
        var next = cursor.carrying(.groupsDelta, url: json["@odata.nextLink"]?.stringValue)
        if next.url == nil {
            guard let deltaLink = json["@odata.deltaLink"]?.stringValue else {
                throw ConnectorError.sourceData(
                    "\(Self.display(url)): the last delta page has neither @odata.nextLink nor @odata.deltaLink")
            }
            next.groupsDelta = deltaLink
        }
        if !pending.isEmpty { next = next.carrying(.members, url: next.url, pendingGroups: pending) }
        let done = next.url == nil && pending.isEmpty
        return Page(records: records, nextCursor: done ? nil : next.text, checkpoint: done ? finalCheckpoint(next) : nil,
                    incremental: cursor.incremental, notes: notes)
    }

    /// The group record of a delta entry: from the entry when it carries `displayName` (a whole round always
    /// does), else — properties changed without the name — from `GET /groups/{id}`; `nil` when only its
    /// members changed.
    private func groupRecord(id: String, members: [(key: String, value: JSONValue)], whole: Bool) throws -> Record? {
        let attributes = GraphValues.attributes(of: members)
        if whole || attributes.contains(where: { $0.name == "displayName" }) {
            return Record(kind: .group, externalId: id, attributes: attributes)
        }
        guard attributes.contains(where: { $0.name != "id" }) else { return nil }
        guard case .ok(let json) = try client.get(settings.groupURL(groupId: id)), case .object(let full) = json else {
            throw ConnectorError.sourceData("GET /groups/\(id): not a group object")
        }
        return Record(kind: .group, externalId: id, attributes: GraphValues.attributes(of: full))
    }

    /// A membership record of single-pair changes from `members@delta` (users only; ids as externalIds).
    private func membershipChanges(group: String, _ entries: [JSONValue], notes: inout [String]) -> Record {
        var attributes: [Record.Attribute] = []
        var others = 0
        for entry in entries {
            let type = entry["@odata.type"]?.stringValue ?? "#microsoft.graph.user"
            guard type == "#microsoft.graph.user", let member = entry["id"]?.stringValue, !member.isEmpty else {
                others += 1
                continue
            }
            attributes.append(Record.Attribute(entry["@removed"] != nil ? "memberRemoved" : "memberAdded", member))
        }
        if others > 0 { notes.append("group \(group): \(others) member change(s) that are not users left out") }
        return Record(kind: .membership, externalId: group, attributes: attributes)
    }
}
