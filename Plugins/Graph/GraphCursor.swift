import PluginKit
import XaasJSON

/// Where a read stands, as the opaque `next_cursor` text (compact JSON, printable ASCII).
///
/// - `users`: the next users (or delta) page to fetch, verbatim from `@odata.nextLink`.
/// - `groups`: the next groups page to fetch.
/// - `members`: the groups of the last groups page whose members are still to read, then the groups nextLink.
/// - `groupsDelta`: the next `/groups/delta` page (with `delta` and `groups` on).
struct GraphCursor: Equatable {
    enum Phase: String { case users, groups, members, groupsDelta }

    var phase: Phase
    /// The link to fetch (users, groups), or the groups page after the pending groups (members; may be nil).
    var url: String?
    /// Group ids whose members are still to read (members phase).
    var pendingGroups: [String] = []
    /// Whether this read is incremental (a delta round resumed from a checkpoint).
    var incremental: Bool
    /// Delta reads with groups: the users' new deltaLink, carried through the groups phases to the checkpoint.
    var usersDelta: String?
    /// Delta reads with groups: in the users phase, the saved groups deltaLink to start from; in the groups
    /// phases, the new groups deltaLink once the last groups delta page gave it.
    var groupsDelta: String?
    /// The groups delta round reads changes since a saved deltaLink (not a whole round).
    var changes = false

    var text: String {
        var members: [(key: String, value: JSONValue)] = [("phase", .string(phase.rawValue))]
        if let url { members.append(("url", .string(url))) }
        if !pendingGroups.isEmpty { members.append(("groups", .array(pendingGroups.map { .string($0) }))) }
        if incremental { members.append(("incremental", .bool(true))) }
        if let usersDelta { members.append(("usersDelta", .string(usersDelta))) }
        if let groupsDelta { members.append(("groupsDelta", .string(groupsDelta))) }
        if changes { members.append(("changes", .bool(true))) }
        return JSONValue.object(members).serialized
    }

    init(phase: Phase, url: String?, pendingGroups: [String] = [], incremental: Bool) {
        self.phase = phase
        self.url = url
        self.pendingGroups = pendingGroups
        self.incremental = incremental
    }

    /// This cursor's delta fields on a cursor of another phase.
    func carrying(_ phase: Phase, url: String?, pendingGroups: [String] = []) -> GraphCursor {
        var next = GraphCursor(phase: phase, url: url, pendingGroups: pendingGroups, incremental: incremental)
        (next.usersDelta, next.groupsDelta, next.changes) = (usersDelta, groupsDelta, changes)
        return next
    }

    /// Parses a cursor this connector produced; anything else is `INVALID_ARGUMENT`-like `CONFIG`.
    init(text: String) throws {
        guard let json = try? JSONValue.parse(text), let phaseText = json["phase"]?.stringValue,
              let phase = Phase(rawValue: phaseText) else {
            throw ConnectorError(status: 2, "not a Graph connector cursor: \(text.prefix(80))")
        }
        self.phase = phase
        url = json["url"]?.stringValue
        pendingGroups = json["groups"]?.arrayValue?.compactMap(\.stringValue) ?? []
        incremental = json["incremental"]?.boolValue ?? false
        usersDelta = json["usersDelta"]?.stringValue
        groupsDelta = json["groupsDelta"]?.stringValue
        changes = json["changes"]?.boolValue ?? false
        if phase != .members, url == nil {
            throw ConnectorError(status: 2, "Graph connector cursor without a link: \(text.prefix(80))")
        }
    }
}
