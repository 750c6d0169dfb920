/// A Universal Directory user sourced from one identity source, keyed by its externalId.
struct UserRecord: Sendable {
    var externalId: String
    /// The numeric part of the Okta user ID (rendered `0ua…`, see ``SourceDirectory/userID(_:)``).
    var idNumber: UInt64
    var active: Bool
    var created: Double
    var lastUpdated: Double
    var profile: CompactProfile
}

/// A group sourced from one identity source, with its members' externalIds.
struct GroupRecord: Sendable {
    var externalId: String
    var id: String
    var profile: CompactProfile
    var created: Double
    var lastUpdated: Double
    var members: Set<String>
}

/// Users, groups and memberships of one identity source in one org, plus which entries changed since the last
/// flush to the state file.
struct SourceDirectory: Sendable {
    let source: String
    private(set) var users: [UserRecord] = []
    private var userIndex: [String: Int] = [:]
    private(set) var groups: [String: GroupRecord] = [:]
    private var groupIDs: [String: String] = [:]
    /// Indexes of users changed since the last flush.
    var dirtyUsers: Set<Int> = []
    /// ExternalIds of groups changed (or deleted) since the last flush.
    var dirtyGroups: Set<String> = []

    init(source: String) { self.source = source }

    /// The 20-character Okta user ID for a numeric ID: `0ua` + 17 base-62 characters.
    static func userID(_ n: UInt64) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        var chars = [UInt8](repeating: UInt8(ascii: "0"), count: 17)
        var v = n
        var i = 16
        while v > 0, i >= 0 {
            chars[i] = alphabet[Int(v % 62)]
            v /= 62
            i -= 1
        }
        chars[0] = UInt8(ascii: "x")
        return "0ua" + String(decoding: chars, as: UTF8.self)
    }

    var userCount: Int { users.count }

    func user(_ externalId: String) -> UserRecord? {
        userIndex[externalId].map { users[$0] }
    }

    /// Inserts or replaces a user, marking it dirty.
    mutating func put(_ user: UserRecord) {
        if let i = userIndex[user.externalId] {
            users[i] = user
            dirtyUsers.insert(i)
        } else {
            userIndex[user.externalId] = users.count
            dirtyUsers.insert(users.count)
            users.append(user)
        }
    }

    /// Loads a user from the state file (not dirty).
    mutating func restore(_ user: UserRecord) {
        put(user)
        dirtyUsers.remove(userIndex[user.externalId]!)
    }

    /// The group with this externalId or Okta group ID.
    func group(_ idOrExternalId: String) -> GroupRecord? {
        if let g = groups[idOrExternalId] { return g }
        return groupIDs[idOrExternalId].flatMap { groups[$0] }
    }

    mutating func putGroup(_ group: GroupRecord, dirty: Bool = true) {
        groups[group.externalId] = group
        groupIDs[group.id] = group.externalId
        if dirty { dirtyGroups.insert(group.externalId) }
    }

    mutating func removeGroup(_ externalId: String) {
        if let g = groups.removeValue(forKey: externalId) { groupIDs[g.id] = nil }
        dirtyGroups.insert(externalId)
    }

    /// How many users are ACTIVE.
    var activeUserCount: Int { users.reduce(0) { $0 + ($1.active ? 1 : 0) } }
}
