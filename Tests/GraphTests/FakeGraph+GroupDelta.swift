import Foundation
import HTTPServer
import XaasJSON

/// A group of the fake: its id, displayName and direct members (users, or nested groups by type).
typealias FakeGroup = (id: String, name: String, members: [(id: String, type: String)])

extension FakeGraph {
    static let groupType = "#microsoft.graph.group"

    /// `/groups/delta`: a whole round (every group with all its members in `members@delta`) to a deltaLink,
    /// or the changes since a deltaLink: removed groups as `@removed`, renamed groups with `displayName`,
    /// member changes in `members@delta` (removed members with `@removed`). Paged by `Prefer: odata.maxpagesize`.
    func groupDelta(_ request: HTTPRequest, _ query: [String: String]) -> HTTPResponse {
        let pageSize = request.headers["Prefer"].flatMap { p in p.split(separator: "=").last.flatMap { Int($0) } } ?? 100
        return state.withLock { s -> HTTPResponse in
            var items: [JSONValue], offset = 0, snapshot = s.groups
            if let key = query["$skiptoken"] ?? query["$deltatoken"] {
                switch s.pageTokens[key] {
                case .groupDeltaPage(let i, let o, let snap)?: (items, offset, snapshot) = (i, o, snap)
                case .groupDelta(let old)?:
                    items = Self.groupChanges(from: old, to: s.groups) + s.extraGroupDeltaEntries
                    s.extraGroupDeltaEntries = []
                default: return Self.error(400, "syncStateNotFound", "The sync state cannot be found.")
                }
            } else {
                items = s.groups.map { Self.groupEntry($0, members: $0.members.map { ($0, false) }) }
            }
            let slice = Array(items[min(offset, items.count)..<min(offset + pageSize, items.count)])
            if offset + pageSize < items.count {
                let key = newToken(&s, .groupDeltaPage(items: items, offset: offset + pageSize, snapshot: snapshot))
                return page(slice, next: "\(baseURL)/groups/delta?$skiptoken=\(Self.encodeToken(key))")
            }
            let key = newToken(&s, .groupDelta(snapshot: snapshot))
            return page(slice, next: nil, extra: [("@odata.deltaLink", .string("\(baseURL)/groups/delta?$deltatoken=\(Self.encodeToken(key))"))])
        }
    }

    /// `GET /groups/{id}`: one group object.
    func group(id: String) -> HTTPResponse {
        state.withLock { s in
            guard let group = s.groups.first(where: { $0.id == id }) else {
                return Self.error(404, "Request_ResourceNotFound", "Resource '\(id)' does not exist.")
            }
            return .json(200, JSONValue.object([("id", .string(id)), ("displayName", .string(group.name)),
                                                ("description", s.groupDescriptions[id].map { .string($0) } ?? .null)]).serialized)
        }
    }

    /// The delta entries that take `old` to `new`.
    static func groupChanges(from old: [FakeGroup], to new: [FakeGroup]) -> [JSONValue] {
        var items: [JSONValue] = old.filter { o in !new.contains { $0.id == o.id } }.map {
            .object([("id", .string($0.id)), ("@removed", .object([("reason", .string("deleted"))]))])
        }
        for group in new {
            guard let before = old.first(where: { $0.id == group.id }) else {
                items.append(groupEntry(group, members: group.members.map { ($0, false) }))
                continue
            }
            let added = group.members.filter { m in !before.members.contains { $0.id == m.id } }.map { ($0, false) }
            let removed = before.members.filter { m in !group.members.contains { $0.id == m.id } }.map { ($0, true) }
            let renamed = before.name != group.name
            guard renamed || !added.isEmpty || !removed.isEmpty else { continue }
            var members: [(key: String, value: JSONValue)] = [("id", .string(group.id))]
            if renamed { members.append(("displayName", .string(group.name))) }
            if !added.isEmpty || !removed.isEmpty { members.append(("members@delta", memberDelta(added + removed))) }
            items.append(.object(members))
        }
        return items
    }

    private static func groupEntry(_ group: FakeGroup, members: [((id: String, type: String), Bool)]) -> JSONValue {
        .object([("id", .string(group.id)), ("displayName", .string(group.name)), ("description", .null),
                 ("members@delta", memberDelta(members))])
    }

    private static func memberDelta(_ members: [((id: String, type: String), Bool)]) -> JSONValue {
        .array(members.map { member, removed in
            var entry: [(key: String, value: JSONValue)] = [("@odata.type", .string(member.type)), ("id", .string(member.id))]
            if removed { entry.append(("@removed", .object([("reason", .string("deleted"))]))) }
            return .object(entry)
        })
    }

    /// `transitiveMembers`: direct members, and for each nested group the group itself and its members
    /// (transitively), each once; cycles end.
    static func transitiveMembers(of groupId: String, _ groups: [FakeGroup]) -> [(id: String, type: String)] {
        var out: [(id: String, type: String)] = []
        var visited: Set<String> = [groupId]
        var queue = [groupId]
        while !queue.isEmpty {
            let current = queue.removeFirst()
            for member in groups.first(where: { $0.id == current })?.members ?? [] where !out.contains(where: { $0.id == member.id }) {
                out.append(member)
                if member.type == groupType, visited.insert(member.id).inserted { queue.append(member.id) }
            }
        }
        return out
    }
}
