import XaasJSON

/// The status of an import session (`IdentitySourceSessionStatus`); anything unrecognised is `.unknown`.
public enum ImportSessionStatus: String, Sendable {
    case created = "CREATED", inProgress = "IN_PROGRESS", triggered = "TRIGGERED", completed = "COMPLETED"
    case closed = "CLOSED", expired = "EXPIRED", error = "ERROR", unknown

    /// `CREATED` or `IN_PROGRESS`: uploads are still allowed and the session can be cancelled.
    public var acceptsUploads: Bool { self == .created || self == .inProgress }
    /// `CREATED`, `IN_PROGRESS` or `TRIGGERED`: the session still blocks or queues work.
    public var isActive: Bool { acceptsUploads || self == .triggered }
}

/// An identity-source import session (`IdentitySourceSession`).
public struct ImportSession: Sendable, Equatable {
    public var id: String
    public var identitySourceId: String
    public var status: ImportSessionStatus
    /// Always `INCREMENTAL` so far.
    public var importType: String?
    /// As sent, e.g. `2026-05-13T05:52:24.000Z`.
    public var created: String?
    public var lastUpdated: String?

    public init(id: String, identitySourceId: String, status: ImportSessionStatus, importType: String? = nil,
                created: String? = nil, lastUpdated: String? = nil) {
        self.id = id
        self.identitySourceId = identitySourceId
        self.status = status
        self.importType = importType
        self.created = created
        self.lastUpdated = lastUpdated
    }

    /// Decodes one session from a JSON object; `fallbackSourceId` fills a missing `identitySourceId`.
    init(json: JSONValue, fallbackSourceId: String) throws(SessionDecodingError) {
        guard case .object = json else { throw SessionDecodingError("expected a session object, got \(json.typeName)") }
        guard let id = json["id"]?.stringValue, !id.isEmpty else { throw SessionDecodingError("session without a string \"id\"") }
        guard let statusText = json["status"]?.stringValue else {
            throw SessionDecodingError("session \(id) without a string \"status\"")
        }
        self.id = id
        identitySourceId = json["identitySourceId"]?.stringValue ?? fallbackSourceId
        status = ImportSessionStatus(rawValue: statusText) ?? .unknown
        importType = json["importType"]?.stringValue
        created = json["created"]?.stringValue
        lastUpdated = json["lastUpdated"]?.stringValue
    }

    /// Decodes a session sent as an object or as a one-element array (older specs and SDKs).
    static func decodeOne(_ json: JSONValue, fallbackSourceId: String) throws(SessionDecodingError) -> ImportSession {
        if case .array(let items) = json {
            guard items.count == 1 else {
                throw SessionDecodingError("expected one session, got an array of \(items.count)")
            }
            return try ImportSession(json: items[0], fallbackSourceId: fallbackSourceId)
        }
        return try ImportSession(json: json, fallbackSourceId: fallbackSourceId)
    }

    /// Decodes a session list (an array; a lone object is taken as a list of one).
    static func decodeList(_ json: JSONValue, fallbackSourceId: String) throws(SessionDecodingError) -> [ImportSession] {
        switch json {
        case .array(let items):
            var sessions: [ImportSession] = []
            for (index, item) in items.enumerated() {
                do { sessions.append(try ImportSession(json: item, fallbackSourceId: fallbackSourceId)) } catch {
                    throw SessionDecodingError("item \(index): \(error.message)")
                }
            }
            return sessions
        case .object: return [try ImportSession(json: json, fallbackSourceId: fallbackSourceId)]
        default: throw SessionDecodingError("expected an array of sessions, got \(json.typeName)")
        }
    }
}

struct SessionDecodingError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// A user of an identity source as Okta stores it (`UserResponseSchema`).
public struct OktaUser: Sendable {
    /// Okta's user ID (`0ua…`).
    public var id: String?
    public var externalId: String
    /// Profile attributes; `nil` values are explicit JSON nulls. Non-string values keep their JSON text.
    public var profile: [String: String?]
    public var created: String?
    public var lastUpdated: String?

    public init(id: String? = nil, externalId: String, profile: [String: String?], created: String? = nil,
                lastUpdated: String? = nil) {
        self.id = id
        self.externalId = externalId
        self.profile = profile
        self.created = created
        self.lastUpdated = lastUpdated
    }

    init(json: JSONValue, fallbackExternalId: String) throws(SessionDecodingError) {
        guard case .object = json else { throw SessionDecodingError("expected a user object, got \(json.typeName)") }
        id = json["id"]?.stringValue
        externalId = json["externalId"]?.stringValue ?? fallbackExternalId
        created = json["created"]?.stringValue
        lastUpdated = json["lastUpdated"]?.stringValue
        var profile: [String: String?] = [:]
        switch json["profile"] {
        case .object(let members)?:
            for member in members {
                switch member.value {
                case .null: profile[member.key] = .some(nil)
                case .string(let s): profile[member.key] = s
                case .number(let n): profile[member.key] = n
                case .bool(let b): profile[member.key] = b ? "true" : "false"
                case .array, .object: profile[member.key] = member.value.serialized
                }
            }
        case nil, .null?: break
        case let other?: throw SessionDecodingError("user \"profile\" is \(other.typeName), expected an object")
        }
        self.profile = profile
    }
}
