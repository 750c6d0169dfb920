import Foundation
import HTTPServer
import XaasJSON

extension FakeGraph {
    /// `/users/delta`: a round over every user to a deltaLink, or the changes since a deltaLink (410 when it
    /// expired), paged by `Prefer: odata.maxpagesize`.
    func delta(_ request: HTTPRequest, _ query: [String: String]) -> HTTPResponse {
        let pageSize = request.headers["Prefer"].flatMap { p in
            p.split(separator: "=").last.flatMap { Int($0) }
        } ?? 100
        return state.withLock { s -> HTTPResponse in
            var token: PageToken
            if let key = query["$skiptoken"] ?? query["$deltatoken"] {
                guard let t = s.pageTokens[key] else {
                    return Self.error(400, "syncStateNotFound", "The sync state cannot be found.")
                }
                token = t
                if case .delta(let since, _) = t, since < s.oldestValidDelta {
                    var r = Self.error(410, "syncStateNotFound", "Resync required. The delta token has expired.")
                    r.headers.set("Location", "\(baseURL)/users/delta")
                    return r
                }
            } else {
                let select = query["$select"].map { $0.split(separator: ",").map(String.init) }
                token = .deltaPage(ids: s.order, offset: 0, untilSeq: s.seq, select: select, removed: [:])
            }
            if case .delta(let since, let select) = token {
                // Changes since `since`: each changed id once, its latest state.
                var latest: [String: Change] = [:]
                var ids: [String] = []
                for entry in s.log where entry.seq > since {
                    if latest[entry.id] == nil { ids.append(entry.id) }
                    latest[entry.id] = entry.change
                }
                var removed: [String: String] = [:]
                for (id, change) in latest {
                    switch change {
                    case .upsert: if s.users[id] == nil { removed[id] = "deleted" }
                    case .softRemoved: removed[id] = "changed"
                    case .hardRemoved: removed[id] = "deleted"
                    }
                }
                token = .deltaPage(ids: ids, offset: 0, untilSeq: s.seq, select: select, removed: removed)
            }
            guard case .deltaPage(let ids, let offset, let until, let select, let removed) = token else {
                return Self.error(500, "generalException", "bad token")
            }
            let slice = Array(ids[min(offset, ids.count)..<min(offset + pageSize, ids.count)])
            var items: [JSONValue] = slice.map { id in
                if let reason = removed[id] {
                    return .object([("id", .string(id)), ("@removed", .object([("reason", .string(reason))]))])
                }
                if let user = s.users[id] { return Self.project(user, select) }
                return .object([("id", .string(id)), ("@removed", .object([("reason", .string("deleted"))]))])
            }
            if s.replayInDelta, let first = items.first { items.append(first) }
            if offset + pageSize < ids.count {
                let key = newToken(&s, .deltaPage(ids: ids, offset: offset + pageSize, untilSeq: until, select: select, removed: removed))
                return page(items, next: "\(baseURL)/users/delta?$skiptoken=\(Self.encodeToken(key))")
            }
            let key = newToken(&s, .delta(sinceSeq: until, select: select))
            return page(items, next: nil, extra: [("@odata.deltaLink", .string("\(baseURL)/users/delta?$deltatoken=\(Self.encodeToken(key))"))])
        }
    }
}
