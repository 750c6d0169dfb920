import HTTPServer

/// An Identity Sources API operation, parsed from method and path (`/api/v1/identity-sources/{source}/…`).
enum OktaRoute: Sendable, Equatable {
    case createSession, listSessions, getSession(String), cancelSession(String), startImport(String)
    /// `bulk-upsert`, `bulk-delete`, `bulk-groups-upsert`, … on a session.
    case bulk(session: String, kind: String)
    case createUser, getUser(String), replaceUser(String), patchUser(String), deleteUser(String)
    case createGroup, getGroup(String), updateGroup(String), deleteGroup(String)
    case listMembers(String), addMember(String), removeMember(group: String, member: String)
    case unknown

    static let bulkKinds: Set<String> = [
        "bulk-upsert", "bulk-delete", "bulk-groups-upsert", "bulk-groups-delete", "bulk-group-memberships-upsert",
        "bulk-group-memberships-delete",
    ]

    /// Parses the part after the source ID (already split and percent-decoded).
    init(method: String, rest: [String]) {
        switch (method, rest.count, rest.first ?? "") {
        case ("POST", 1, "sessions"): self = .createSession
        case ("GET", 1, "sessions"): self = .listSessions
        case ("GET", 2, "sessions"): self = .getSession(rest[1])
        case ("DELETE", 2, "sessions"): self = .cancelSession(rest[1])
        case ("POST", 3, "sessions") where rest[2] == "start-import": self = .startImport(rest[1])
        case ("POST", 3, "sessions") where Self.bulkKinds.contains(rest[2]): self = .bulk(session: rest[1], kind: rest[2])
        case ("POST", 1, "users"): self = .createUser
        case ("GET", 2, "users"): self = .getUser(rest[1])
        case ("PUT", 2, "users"): self = .replaceUser(rest[1])
        case ("PATCH", 2, "users"): self = .patchUser(rest[1])
        case ("DELETE", 2, "users"): self = .deleteUser(rest[1])
        case ("POST", 1, "groups"): self = .createGroup
        case ("GET", 2, "groups"): self = .getGroup(rest[1])
        case ("POST", 2, "groups"): self = .updateGroup(rest[1])
        case ("DELETE", 2, "groups"): self = .deleteGroup(rest[1])
        case ("GET", 3, "groups") where rest[2] == "membership": self = .listMembers(rest[1])
        case ("POST", 3, "groups") where rest[2] == "membership": self = .addMember(rest[1])
        case ("DELETE", 4, "groups") where rest[2] == "membership": self = .removeMember(group: rest[1], member: rest[3])
        default: self = .unknown
        }
    }

    /// The stats key (`byEndpoint`) and fault-latency key of this operation.
    var key: String {
        switch self {
        case .createSession: "create-session"
        case .listSessions: "list-sessions"
        case .getSession: "get-session"
        case .cancelSession: "cancel-session"
        case .startImport: "start-import"
        case .bulk(_, let kind): kind
        case .createUser: "create-user"
        case .getUser: "get-user"
        case .replaceUser: "replace-user"
        case .patchUser: "patch-user"
        case .deleteUser: "delete-user"
        case .createGroup: "create-group"
        case .getGroup: "get-group"
        case .updateGroup: "update-group"
        case .deleteGroup: "delete-group"
        case .listMembers: "list-members"
        case .addMember: "add-member"
        case .removeMember: "remove-member"
        case .unknown: "unknown"
        }
    }

    /// The scope a Bearer token needs (reference §9).
    var scope: String {
        switch self {
        case .listSessions, .getSession, .getUser, .getGroup, .listMembers: "okta.identitySources.read"
        default: "okta.identitySources.manage"
        }
    }

    /// Splits a path into percent-decoded segments (`+` stays `+` in paths).
    static func segments(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map {
            HTTPRequest.percentDecode($0.replacingOccurrences(of: "+", with: "%2B"))
        }
    }
}
