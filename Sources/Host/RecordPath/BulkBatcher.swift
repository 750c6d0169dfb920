import XaasJSON

/// The six bulk upload endpoints of a session (`POST …/sessions/{id}/<rawValue>`).
public enum BulkOperation: String, Sendable, CaseIterable {
    case upsertUsers = "bulk-upsert", deleteUsers = "bulk-delete"
    case upsertGroups = "bulk-groups-upsert", deleteGroups = "bulk-groups-delete"
    case upsertMemberships = "bulk-group-memberships-upsert", deleteMemberships = "bulk-group-memberships-delete"

    /// The body's fixed text before and after the comma-separated entities (contract §2.2–§2.4).
    var envelope: (prefix: [UInt8], suffix: [UInt8]) {
        switch self {
        case .upsertUsers, .deleteUsers: return (Array(#"{"entityType":"USERS","profiles":["#.utf8), Array("]}".utf8))
        case .upsertGroups: return (Array(#"{"profiles":["#.utf8), Array("]}".utf8))
        case .deleteGroups: return (Array(#"{"externalIds":["#.utf8), Array("]}".utf8))
        case .upsertMemberships, .deleteMemberships: return (Array(#"{"memberships":["#.utf8), Array("]}".utf8))
        }
    }
}

/// One ready-to-send bulk body: compact JSON, its exact bytes, and how many entities it carries.
public struct BulkBody: Sendable {
    public let bytes: [UInt8]
    public let entityCount: Int

    public init(bytes: [UInt8], entityCount: Int) {
        self.bytes = bytes
        self.entityCount = entityCount
    }
}

/// The batch stage of the record path: packs entities into one bulk body within both limits
/// (≤ maxEntities, ≤ maxBytes of serialised body, counted exactly).
///
/// Bodies are compact JSON in the exact shapes of the contract (§2.2–§2.4), built incrementally: a user or
/// group entity is `{"externalId":…,"profile":` + the ``Profile``'s stored canonical JSON spliced as is +
/// `}`, so ``byteCount`` is always the exact size ``finish()`` would return and no profile is encoded twice.
/// One entry point, ``append(_:)``, takes every kind of entity (``BatchItem``).
/// An append that would break a limit returns `false` and changes nothing; the caller sends ``finish()``
/// and appends again. A `false` on an *empty* batcher (see ``lastRejection``) means the entity alone is
/// larger than `maxBytes` and can never be sent: report it, don't loop. Value semantics; not shared
/// between tasks.
public struct BulkBatcher: Sendable {
    /// Okta's entities per bulk request.
    public static let defaultMaxEntities = 200
    /// The request byte limit used unless configured: below both readings of Okta's "200 KB" (200,000
    /// and 204,800 bytes). The one default (``SessionRunner/Options`` uses it).
    public static let defaultMaxBytes = 199_000

    /// Why the last append returned `false`.
    public enum Rejection: Sendable, Equatable {
        /// The batch is full (by count or bytes): flush and append again.
        case full
        /// The entity alone exceeds `maxBytes`; it cannot be sent in any batch.
        case tooLarge
    }

    public let operation: BulkOperation
    public let maxEntities: Int
    public let maxBytes: Int
    private let prefix: [UInt8]
    private let suffix: [UInt8]
    private var items: [UInt8] = []
    public private(set) var count = 0
    /// Set when an append returns `false`, cleared when one succeeds.
    public private(set) var lastRejection: Rejection?

    public init(operation: BulkOperation, maxEntities: Int = defaultMaxEntities, maxBytes: Int = defaultMaxBytes) {
        self.operation = operation
        self.maxEntities = max(1, maxEntities)
        self.maxBytes = maxBytes
        (prefix, suffix) = operation.envelope
    }

    /// The exact size of ``finish()`` right now (0 when empty).
    public var byteCount: Int { count == 0 ? 0 : prefix.count + items.count + suffix.count }

    public var isEmpty: Bool { count == 0 }

    /// The batch stage's one entry point: adds `item` (which must suit the batcher's ``operation``; see
    /// ``BatchItem``). `false` when it does not fit (see ``lastRejection``); nothing changed then.
    public mutating func append(_ item: BatchItem) -> Bool {
        precondition(item.suits(operation), "\(item.name) on a \(operation.rawValue) batcher")
        var out: [UInt8] = []
        switch item {
        case .user(let externalId, let profile), .group(let externalId, let profile):
            out.reserveCapacity(externalId.utf8.count + profile.json.utf8.count + 32)
            out += Array(#"{"externalId":"#.utf8)
            Self.appendString(externalId, to: &out)
            out += Array(#","profile":"#.utf8)
            out.append(contentsOf: profile.json.utf8)  // the stored canonical JSON, spliced as is
            out.append(UInt8(ascii: "}"))
        case .deletion(let externalId) where operation == .deleteUsers:
            out += Array(#"{"externalId":"#.utf8)
            Self.appendString(externalId, to: &out)
            out.append(UInt8(ascii: "}"))
        case .deletion(let externalId):
            Self.appendString(externalId, to: &out)
        case .membership(let group, let members):
            out += Array(#"{"groupExternalId":"#.utf8)
            Self.appendString(group, to: &out)
            out += Array(#","memberExternalIds":["#.utf8)
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.appendString(member, to: &out)
            }
            out += Array("]}".utf8)
        }
        return add(out)
    }

    /// The body so far, or nil when empty; resets the batcher.
    public mutating func finish() -> BulkBody? {
        guard count > 0 else { return nil }
        var bytes = prefix
        bytes.reserveCapacity(byteCount)
        bytes += items
        bytes += suffix
        let body = BulkBody(bytes: bytes, entityCount: count)
        items.removeAll(keepingCapacity: true)
        count = 0
        lastRejection = nil
        return body
    }

    private mutating func add(_ entity: [UInt8]) -> Bool {
        let alone = prefix.count + entity.count + suffix.count
        if alone > maxBytes { lastRejection = .tooLarge; return false }
        let after = count == 0 ? alone : byteCount + 1 + entity.count
        if count + 1 > maxEntities || after > maxBytes {
            lastRejection = .full
            return false
        }
        if count > 0 { items.append(UInt8(ascii: ",")) }
        items += entity
        count += 1
        lastRejection = nil
        return true
    }

    /// Appends `s` as a JSON string literal, escaped by `JSONValue.writeString` (the one escaper).
    static func appendString(_ s: String, to out: inout [UInt8]) {
        JSONValue.writeString(s, to: &out)
    }

    /// The bytes of `text` as a JSON string literal.
    static func jsonSize(_ text: String) -> Int {
        var literal = ""
        JSONValue.writeString(text, to: &literal)
        return literal.utf8.count
    }
}

/// One entity for a ``BulkBatcher``, by kind.
public enum BatchItem: Sendable {
    /// `{"externalId":…,"profile":{…}}` in a ``BulkOperation/upsertUsers`` body.
    case user(externalId: String, profile: Profile)
    /// `{"externalId":…}` in a ``BulkOperation/deleteUsers`` body (a deactivation), or `"…"` in a
    /// ``BulkOperation/deleteGroups`` body (`externalIds`).
    case deletion(externalId: String)
    /// `{"externalId":…,"profile":{"displayName":…,…}}` in a ``BulkOperation/upsertGroups`` body.
    case group(externalId: String, profile: Profile)
    /// `{"groupExternalId":…,"memberExternalIds":[…]}` in a membership upsert or delete body. One entity;
    /// chunk very large member lists yourself so one entry fits `maxBytes`.
    case membership(groupExternalId: String, memberExternalIds: [String])

    /// Whether this item belongs in a body of `operation`.
    func suits(_ operation: BulkOperation) -> Bool {
        switch (self, operation) {
        case (.user, .upsertUsers), (.group, .upsertGroups), (.deletion, .deleteUsers), (.deletion, .deleteGroups),
             (.membership, .upsertMemberships), (.membership, .deleteMemberships): return true
        default: return false
        }
    }

    var name: String {
        switch self {
        case .user: "a user"
        case .deletion: "a deletion"
        case .group: "a group"
        case .membership: "a membership"
        }
    }
}
