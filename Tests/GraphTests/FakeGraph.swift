import Foundation
import HTTPServer
import Synchronization
import XaasJSON

/// A scripted Microsoft-Graph-shaped server on 127.0.0.1 (the project's HTTPServer), whose responses follow
/// the examples of Microsoft's Graph documentation (`user-list.md`, `user-delta.md`, `delta-query-users.md`,
/// `paging.md`, `throttling.md`):
///
/// - `POST /tenant/oauth2/v2.0/token`: client credentials → `{"token_type","expires_in","access_token"}`.
/// - `GET /v1.0/users`: `$top` (1–999), `$select`, `$filter` (`accountEnabled eq …`, `department ne '…'`
///   which needs `ConsistencyLevel: eventual` + `$count=true` on every page), absolute nextLinks with a
///   percent-encoded `$skiptoken` (`%27…%27`, `%2B`, `%2F`), optional empty pages with a nextLink.
/// - `GET /v1.0/users/delta`: a round to `@odata.deltaLink` (pages by `Prefer: odata.maxpagesize`), then
///   changes since a deltaLink (`@removed` with reason `changed` or `deleted`), 410 Gone for expired links.
/// - `GET /v1.0/groups`, `/v1.0/groups/{id}/members`, `/v1.0/groups/{id}/transitiveMembers`: paged.
/// - `GET /v1.0/groups/delta`: a round (`members@delta`) to a deltaLink, then the changes since (`@removed`
///   groups and members), paged by `Prefer: odata.maxpagesize` (FakeGraph+GroupDelta.swift).
/// - Scripted faults (429 with either `Retry-After` form, 503, 504, delays) queued per path prefix.
///
/// ## Threading
/// The server calls ``handle(_:)`` from its connection threads; all state sits in one Mutex.
final class FakeGraph: Sendable {
    enum Change: Sendable { case upsert, softRemoved, hardRemoved }

    struct Fault: Sendable {
        var pathPrefix: String
        var response: HTTPResponse
        var delaySeconds: Double = 0
    }

    struct State: Sendable {
        var users: [String: JSONValue] = [:]
        var order: [String] = []
        var groups: [FakeGroup] = []
        /// Group descriptions served by `GET /v1.0/groups/{id}`.
        var groupDescriptions: [String: String] = [:]
        /// Entries appended once to the next `/groups/delta` changes round (e.g. a group with only a changed
        /// property, as Graph may report it).
        var extraGroupDeltaEntries: [JSONValue] = []
        /// The change log: (sequence, user id, change).
        var log: [(seq: Int, id: String, change: Change)] = []
        var seq = 0
        /// Delta links older than this sequence answer 410 Gone.
        var oldestValidDelta = 0
        /// Opaque server-side tokens (skip and delta) → what they stand for.
        var pageTokens: [String: PageToken] = [:]
        var nextToken = 0
        var accessTokens: Set<String> = []
        var tokenRequests = 0
        var expiresIn = 3600
        var clientSecret = "s3cr3t-client-value"
        var bearer = "static-bearer-token-value"
        var faults: [Fault] = []
        var emptyPages = false
        /// Repeat the first entry of each delta changes page at its end (Graph may replay objects).
        var replayInDelta = false
        var requests: [HTTPRequest] = []
    }

    /// What a `$skiptoken`/`$deltatoken` stands for.
    enum PageToken: Sendable {
        case list(ids: [String], offset: Int, top: Int, select: [String]?, emptyServed: Bool)
        case delta(sinceSeq: Int, select: [String]?)
        case deltaPage(ids: [String], offset: Int, untilSeq: Int, select: [String]?, removed: [String: String])
        /// `/groups/delta`: the groups as they were when the deltaLink was issued.
        case groupDelta(snapshot: [FakeGroup])
        /// `/groups/delta`: the rest of a round's computed entries, and the snapshot its deltaLink will hold.
        case groupDeltaPage(items: [JSONValue], offset: Int, snapshot: [FakeGroup])
    }

    let state = Mutex(State())
    private let serverBox = Mutex<HTTPServer?>(nil)
    private let portValue = Mutex(0)

    var port: Int { portValue.withLock { $0 } }
    var origin: String { "http://127.0.0.1:\(port)" }
    var baseURL: String { origin + "/v1.0" }
    var tokenURL: String { origin + "/tenant/oauth2/v2.0/token" }

    init() throws {
        let server = HTTPServer(handler: ClosureHandler { [weak self] in self?.handle($0) ?? .text(503, "gone") })
        let port = try server.start()
        portValue.withLock { $0 = port }
        serverBox.withLock { $0 = server }
    }

    deinit { serverBox.withLock { $0?.stop() } }

    func stop() { serverBox.withLock { $0?.stop() } }

    // MARK: - Test controls

    /// Adds or replaces a user (a Graph user object with at least `id`), logging the change.
    func upsert(_ user: JSONValue) {
        state.withLock { s in
            let id = user["id"]!.stringValue!
            if s.users[id] == nil { s.order.append(id) }
            s.users[id] = user
            s.seq += 1
            s.log.append((s.seq, id, .upsert))
        }
    }

    /// Changes some properties of a user.
    func update(_ id: String, _ changes: [(String, JSONValue)]) {
        let user = state.withLock { $0.users[id] }!
        var members = user.objectValue!
        for (key, value) in changes {
            if let i = members.firstIndex(where: { $0.key == key }) { members[i].value = value } else { members.append((key, value)) }
        }
        upsert(.object(members))
    }

    /// Removes a user: soft (`@removed.reason = changed`) or hard (`deleted`).
    func remove(_ id: String, hard: Bool) {
        state.withLock { s in
            s.users[id] = nil
            s.order.removeAll { $0 == id }
            s.seq += 1
            s.log.append((s.seq, id, hard ? .hardRemoved : .softRemoved))
        }
    }

    func inject(_ fault: Fault) { state.withLock { $0.faults.append(fault) } }

    /// Invalidates every issued access token (as if they expired).
    func expireAccessTokens() { state.withLock { $0.accessTokens.removeAll() } }

    /// Makes every delta link issued so far answer 410 Gone.
    func expireDeltaLinks() { state.withLock { $0.oldestValidDelta = $0.seq + 1 } }

    var requests: [HTTPRequest] { state.withLock { $0.requests } }
    var tokenRequests: Int { state.withLock { $0.tokenRequests } }

    // MARK: - Serving

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        let fault: Fault? = state.withLock { s in
            s.requests.append(request)
            guard let i = s.faults.firstIndex(where: { request.path.hasPrefix($0.pathPrefix) }) else { return nil }
            return s.faults.remove(at: i)
        }
        if let fault {
            if fault.delaySeconds > 0 { Thread.sleep(forTimeInterval: fault.delaySeconds) }
            return fault.response
        }
        if request.path == "/tenant/oauth2/v2.0/token" { return token(request) }
        guard request.path.hasPrefix("/v1.0/") else { return Self.error(404, "Request_ResourceNotFound", "no such resource") }
        let authorized = state.withLock { s -> Bool in
            guard let header = request.headers["Authorization"], header.hasPrefix("Bearer ") else { return false }
            let value = String(header.dropFirst(7))
            return s.accessTokens.contains(value) || value == s.bearer
        }
        guard authorized else {
            return Self.error(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
        }
        let query = Dictionary(request.queryItems.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        switch request.path {
        case "/v1.0/users": return users(request, query)
        case "/v1.0/users/delta": return delta(request, query)
        case "/v1.0/groups": return groups(query)
        case "/v1.0/groups/delta": return groupDelta(request, query)
        default:
            for endpoint in ["members", "transitiveMembers"] where request.path.hasPrefix("/v1.0/groups/")
                && request.path.hasSuffix("/" + endpoint) {
                let id = String(request.path.dropFirst("/v1.0/groups/".count).dropLast(endpoint.count + 1))
                return members(groupId: id, endpoint: endpoint, query)
            }
            if request.path.hasPrefix("/v1.0/groups/") { return group(id: String(request.path.dropFirst("/v1.0/groups/".count))) }
            return Self.error(404, "Request_ResourceNotFound", "Resource '\(request.path)' does not exist.")
        }
    }

    private func token(_ request: HTTPRequest) -> HTTPResponse {
        let form = Dictionary(HTTPRequest(method: "POST", target: "/?" + String(decoding: request.body, as: UTF8.self))
            .queryItems.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        return state.withLock { s in
            s.tokenRequests += 1
            guard form["grant_type"] == "client_credentials", form["client_id"] == "app-id",
                  form["client_secret"] == s.clientSecret else {
                return HTTPResponse.json(401, """
                    {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.\\r\\nTrace ID: 0b1c","error_codes":[7000215]}
                    """)
            }
            let value = "eyJ0eXAi.fake-access-\(s.tokenRequests)"
            s.accessTokens.insert(value)
            return HTTPResponse.json(200, "{\"token_type\":\"Bearer\",\"expires_in\":\(s.expiresIn),\"ext_expires_in\":\(s.expiresIn),\"access_token\":\"\(value)\"}")
        }
    }

    func newToken(_ s: inout State, _ token: PageToken) -> String {
        s.nextToken += 1
        let key = "RFNwdAIAAQAAAD8\(s.nextToken)'+/="
        s.pageTokens[key] = token
        return key
    }

    /// `'` `+` `/` `=` percent-encoded, as Graph's skip tokens are.
    static func encodeToken(_ key: String) -> String {
        key.replacingOccurrences(of: "'", with: "%27").replacingOccurrences(of: "+", with: "%2B")
            .replacingOccurrences(of: "/", with: "%2F").replacingOccurrences(of: "=", with: "%3D")
    }

    private func users(_ request: HTTPRequest, _ query: [String: String]) -> HTTPResponse {
        let advanced = query["$filter"].map { $0.contains(" ne ") || $0.lowercased().contains("endswith(") } ?? false
        if advanced || query["$count"] != nil {
            guard request.headers["ConsistencyLevel"] == "eventual", query["$count"] == "true" else {
                return Self.error(400, "Request_UnsupportedQuery",
                                  "Unsupported Query. This query requires ConsistencyLevel: eventual and $count=true.")
            }
        }
        return state.withLock { s -> HTTPResponse in
            var ids: [String], offset: Int, top: Int, select: [String]?, emptyServed = false
            if let skip = query["$skiptoken"] {
                guard case .list(let i, let o, let t, let sel, let e)? = s.pageTokens[skip] else {
                    return Self.error(400, "Directory_InvalidSkipToken", "The specified page token value is invalid.")
                }
                (ids, offset, top, select, emptyServed) = (i, o, t, sel, e)
            } else {
                top = Int(query["$top"] ?? "100") ?? -1
                guard (1...999).contains(top) else { return Self.error(400, "Request_BadRequest", "Invalid page size specified: '\(query["$top"] ?? "")'.") }
                select = query["$select"].map { $0.split(separator: ",").map(String.init) }
                ids = s.order
                if let filter = query["$filter"] {
                    guard let matches = Self.filter(filter, s) else {
                        return Self.error(400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property")
                    }
                    ids = ids.filter { matches($0) }
                }
                offset = 0
            }
            if s.emptyPages, !emptyServed, offset > 0 {
                let key = newToken(&s, .list(ids: ids, offset: offset, top: top, select: select, emptyServed: true))
                return page([], next: "\(baseURL)/users?\(Self.listQuery(top, select, query))$skiptoken=\(Self.encodeToken(key))")
            }
            let slice = ids[min(offset, ids.count)..<min(offset + top, ids.count)]
            let items = slice.compactMap { s.users[$0] }.map { Self.project($0, select) }
            var next: String?
            if offset + top < ids.count {
                let key = newToken(&s, .list(ids: ids, offset: offset + top, top: top, select: select, emptyServed: false))
                next = "\(baseURL)/users?\(Self.listQuery(top, select, query))$skiptoken=\(Self.encodeToken(key))"
            }
            var extra: [(key: String, value: JSONValue)] = []
            if query["$count"] == "true", query["$skiptoken"] == nil { extra.append(("@odata.count", .number(String(ids.count)))) }
            return page(items, next: next, extra: extra)
        }
    }

    /// The original query options a nextLink repeats (Graph keeps them, `$top` and `$select` and `$filter`).
    private static func listQuery(_ top: Int, _ select: [String]?, _ query: [String: String]) -> String {
        var out = "$top=\(top)&"
        if let select { out += "$select=\(select.joined(separator: ","))&" }
        if let filter = query["$filter"] { out += "$filter=\(filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&" }
        if let count = query["$count"] { out += "$count=\(count)&" }
        return out
    }

    private static func filter(_ text: String, _ s: State) -> ((String) -> Bool)? {
        let parts = text.split(separator: " ", maxSplits: 2).map(String.init)
        guard parts.count == 3, ["eq", "ne"].contains(parts[1]) else { return nil }
        var literal = parts[2]
        if literal.hasPrefix("'"), literal.hasSuffix("'"), literal.count >= 2 { literal = String(literal.dropFirst().dropLast()) }
        let (property, negate) = (parts[0], parts[1] == "ne")
        return { id in
            let value = s.users[id]?[property]
            let text: String? = value?.stringValue ?? value?.boolValue.map { $0 ? "true" : "false" }
            return (text == literal) != negate
        }
    }

    private func groups(_ query: [String: String]) -> HTTPResponse {
        state.withLock { s in
            let top = Int(query["$top"] ?? "100") ?? 100
            let offset = Int(query["$skiptoken"]?.dropFirst(2) ?? "0") ?? 0
            let slice = s.groups[min(offset, s.groups.count)..<min(offset + top, s.groups.count)]
            let items: [JSONValue] = slice.map { .object([("id", .string($0.id)), ("displayName", .string($0.name)), ("description", .null)]) }
            let next = offset + top < s.groups.count ? "\(baseURL)/groups?$top=\(top)&$skiptoken=g.\(offset + top)" : nil
            return page(items, next: next)
        }
    }

    private func members(groupId: String, endpoint: String, _ query: [String: String]) -> HTTPResponse {
        state.withLock { s in
            guard var group = s.groups.first(where: { $0.id == groupId }) else {
                return Self.error(404, "Request_ResourceNotFound", "Resource '\(groupId)' does not exist.")
            }
            if endpoint == "transitiveMembers" { group.members = Self.transitiveMembers(of: groupId, s.groups) }
            let top = Int(query["$top"] ?? "100") ?? 100
            let offset = Int(query["$skiptoken"]?.dropFirst(2) ?? "0") ?? 0
            let select = query["$select"].map { $0.split(separator: ",").map(String.init) }
            let slice = group.members[min(offset, group.members.count)..<min(offset + top, group.members.count)]
            let items: [JSONValue] = slice.map { m in
                var base: [(key: String, value: JSONValue)] = [("@odata.type", .string(m.type)), ("id", .string(m.id))]
                if m.type == "#microsoft.graph.user", let user = s.users[m.id] {
                    base = [("@odata.type", .string(m.type))] + (Self.project(user, select).objectValue ?? [])
                }
                return .object(base)
            }
            let next = offset + top < group.members.count
                ? "\(baseURL)/groups/\(groupId)/\(endpoint)?$top=\(top)&$select=\(select?.joined(separator: ",") ?? "id")&$skiptoken=m.\(offset + top)" : nil
            return page(items, next: next)
        }
    }

    func page(_ items: [JSONValue], next: String?, extra: [(key: String, value: JSONValue)] = []) -> HTTPResponse {
        var members: [(key: String, value: JSONValue)] = [("@odata.context", .string("\(baseURL)/$metadata#users"))]
        members += extra
        if let next { members.append(("@odata.nextLink", .string(next))) }
        members.append(("value", .array(items)))
        return .json(200, JSONValue.object(members).serialized)
    }

    static func project(_ user: JSONValue, _ select: [String]?) -> JSONValue {
        guard let select, let members = user.objectValue else { return user }
        return .object(select.map { name in (name, members.first { $0.key == name }?.value ?? .null) })
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        .json(status, """
            {"error":{"code":"\(code)","message":"\(message)","innerError":{"date":"2026-11-22T23:00:00","request-id":"9f1d6c1e-4c2b-4d1a-a1e3-2b3c4d5e6f70","client-request-id":"9f1d6c1e-4c2b-4d1a-a1e3-2b3c4d5e6f70"}}}
            """)
    }
}
