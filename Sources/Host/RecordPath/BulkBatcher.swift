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

/// Packs entities into one bulk body within both limits (≤ maxEntities, ≤ maxBytes of serialised body, counted exactly).
///
/// Bodies are compact JSON in the exact shapes of the contract (§2.2–§2.4), built incrementally: each
/// append serialises one entity once, so ``byteCount`` is always the exact size ``finish()`` would return.
/// An append that would break a limit returns `false` and changes nothing; the caller sends ``finish()``
/// and appends again. A `false` on an *empty* batcher (see ``lastRejection``) means the entity alone is
/// larger than `maxBytes` and can never be sent: report it, don't loop. Profile keys repeated within one
/// entity keep their first position and last value. Value semantics; not shared between tasks.
public struct BulkBatcher: Sendable {
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

    public init(operation: BulkOperation, maxEntities: Int = 200, maxBytes: Int = 200 * 1024 - 512 /* headroom */) {
        self.operation = operation
        self.maxEntities = max(1, maxEntities)
        self.maxBytes = maxBytes
        (prefix, suffix) = operation.envelope
    }

    /// The exact size of ``finish()`` right now (0 when empty).
    public var byteCount: Int { count == 0 ? 0 : prefix.count + items.count + suffix.count }

    public var isEmpty: Bool { count == 0 }

    /// Adds `{"externalId":…,"profile":{…}}` to a ``BulkOperation/upsertUsers`` batch.
    public mutating func appendUser(externalId: String, profile: [(String, String)]) -> Bool {
        precondition(operation == .upsertUsers, "appendUser on a \(operation.rawValue) batcher")
        return append(Self.entity(externalId: externalId, profile: profile))
    }

    /// Adds `{"externalId":…}` to a ``BulkOperation/deleteUsers`` batch, or `"…"` to a
    /// ``BulkOperation/deleteGroups`` batch (`externalIds`).
    public mutating func appendDeletion(externalId: String) -> Bool {
        var out: [UInt8] = []
        switch operation {
        case .deleteUsers:
            out += Array(#"{"externalId":"#.utf8)
            JSONBytes.appendString(externalId, to: &out)
            out.append(UInt8(ascii: "}"))
        case .deleteGroups:
            JSONBytes.appendString(externalId, to: &out)
        default:
            preconditionFailure("appendDeletion on a \(operation.rawValue) batcher")
        }
        return append(out)
    }

    /// Adds `{"externalId":…,"profile":{"displayName":…,…}}` to a ``BulkOperation/upsertGroups`` batch.
    public mutating func appendGroup(externalId: String, profile: [(String, String)]) -> Bool {
        precondition(operation == .upsertGroups, "appendGroup on a \(operation.rawValue) batcher")
        return append(Self.entity(externalId: externalId, profile: profile))
    }

    /// Adds `{"groupExternalId":…,"memberExternalIds":[…]}` to a membership upsert or delete batch.
    /// Counts as one entity; chunk very large member lists yourself so one entry fits `maxBytes`.
    public mutating func appendMembership(groupExternalId: String, memberExternalIds: [String]) -> Bool {
        precondition(operation == .upsertMemberships || operation == .deleteMemberships,
                     "appendMembership on a \(operation.rawValue) batcher")
        var out = Array(#"{"groupExternalId":"#.utf8)
        JSONBytes.appendString(groupExternalId, to: &out)
        out += Array(#","memberExternalIds":["#.utf8)
        for (i, member) in memberExternalIds.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONBytes.appendString(member, to: &out)
        }
        out += Array("]}".utf8)
        return append(out)
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

    private mutating func append(_ entity: [UInt8]) -> Bool {
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

    private static func entity(externalId: String, profile: [(String, String)]) -> [UInt8] {
        var out = Array(#"{"externalId":"#.utf8)
        JSONBytes.appendString(externalId, to: &out)
        out += Array(#","profile":{"#.utf8)
        for (i, pair) in dedupe(profile).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONBytes.appendString(pair.0, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONBytes.appendString(pair.1, to: &out)
        }
        out += Array("}}".utf8)
        return out
    }

    /// Repeated keys keep their first position and their last value (JSON objects must not repeat keys).
    private static func dedupe(_ profile: [(String, String)]) -> [(String, String)] {
        guard profile.count > 1 else { return profile }
        var index: [String: Int] = [:]
        var out: [(String, String)] = []
        out.reserveCapacity(profile.count)
        for pair in profile {
            if let i = index[pair.0] { out[i].1 = pair.1 } else { index[pair.0] = out.count; out.append(pair) }
        }
        return out
    }
}

/// JSON string literals written straight to UTF-8 bytes (the same escaping as `JSONValue.writeString`).
enum JSONBytes {
    private static let hex = Array("0123456789abcdef".utf8)

    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [0x5C, 0x22]
            case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
