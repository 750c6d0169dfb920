import PluginKit
import XaasJSON

/// The LDIF connector's settings (see docs/connectors.md, "LDIF connector").
struct LDIFSettings {
    /// How an entry's status is decided.
    enum Status {
        /// Every entry is active.
        case allActive
        /// PluginKit's rule: the first value of an attribute must be one of the active values.
        case rule(StatusRule)
        /// A lock attribute (`nsAccountLock`, `pwdAccountLockedTime`): present (and, when
        /// `lockedValues` is non-empty, equal to one of them) means inactive.
        case lock(attribute: String, lockedValues: Set<String>)
    }

    /// Which entries are groups and how their members are found.
    struct Groups {
        var objectClasses: Set<String>
        var externalId: String
    }

    var path: String
    /// Lowercased objectClass values that make an entry a user; `*` = any non-group entry.
    var userClasses: Set<String>
    /// The attribute (lowercased key) holding the externalId, or `dn` for the normalised DN.
    var externalId: String
    var status: Status
    var groups: Groups?
    var changeRecords: Bool
    var urlDirectory: String?
    /// Lowercased attribute types never emitted.
    var excluded: Set<String>
    /// Lowercased attribute types whose values are always emitted as base64.
    var binary: Set<String>

    /// Attributes written by slapd itself; dropped unless `operationalAttributes` is true.
    static let operational: Set<String> = [
        "entrycsn", "creatorsname", "modifiersname", "createtimestamp", "modifytimestamp",
        "structuralobjectclass", "entrydn", "subschemasubentry", "hassubordinates", "contextcsn",
        "numsubordinates", "pwdchangedtime", "pwdhistory", "pwdfailuretime",
    ]

    /// Types whose syntax is binary (RFC 4517/4523, AD): values always become base64 text.
    static let defaultBinary: Set<String> = [
        "jpegphoto", "photo", "audio", "usercertificate", "cacertificate", "crosscertificatepair",
        "certificaterevocationlist", "authorityrevocationlist", "deltarevocationlist", "usersmimecertificate",
        "userpkcs12", "objectguid", "objectsid", "thumbnailphoto", "msexchmailboxguid",
    ]

    init(_ s: Settings) throws {
        path = try s.requiredString("path")
        let filter = try s.stringArray("userFilter") ?? ["inetOrgPerson", "person", "organizationalPerson"]
        guard !filter.isEmpty else { throw ConnectorError.config("settings.userFilter must list at least one objectClass (or \"*\")") }
        userClasses = Set(filter.map { $0.lowercased() })
        let id = try s.string("externalId") ?? "entryUUID"
        guard !id.isEmpty else { throw ConnectorError.config("settings.externalId must not be empty") }
        externalId = AttributeDescription(setting: id).key
        changeRecords = try s.bool("changeRecords") ?? false
        urlDirectory = try s.string("urlDirectory")
        var excluded = Set(try (s.stringArray("excludeAttributes") ?? []).map { $0.lowercased() })
        excluded.insert("userpassword")  // a secret: never leaves the connector
        if !(try s.bool("operationalAttributes") ?? false) { excluded.formUnion(Self.operational) }
        self.excluded = excluded
        binary = Self.defaultBinary.union(try (s.stringArray("binaryAttributes") ?? []).map { $0.lowercased() })
        status = try Self.parseStatus(s)
        groups = try Self.parseGroups(s, defaultExternalId: externalId)
        try s.rejectUnknownKeys()
    }

    private static func parseStatus(_ s: Settings) throws -> Status {
        guard let object = try s.object("status") else { return .allActive }
        if object.contains("lockAttribute") {
            let attribute = try object.requiredString("lockAttribute")
            let values = try object.stringArray("lockedValues") ?? []
            try object.rejectUnknownKeys()
            return .lock(attribute: attribute.lowercased(), lockedValues: Set(values.map { $0.lowercased() }))
        }
        guard let rule = try StatusRule.parse(s) else { return .allActive }
        return .rule(rule)
    }

    private static func parseGroups(_ s: Settings, defaultExternalId: String) throws -> Groups? {
        let defaults = Groups(objectClasses: ["groupofnames", "groupofuniquenames", "posixgroup"], externalId: defaultExternalId)
        switch s.raw("groups") {
        case .bool(false)?: return nil
        case .bool(true)?, nil: return defaults
        default: break
        }
        guard let object = try s.object("groups") else { return defaults }
        let classes = try object.stringArray("objectClasses") ?? ["groupOfNames", "groupOfUniqueNames", "posixGroup"]
        let id = try object.string("externalId").map { AttributeDescription(setting: $0).key } ?? defaultExternalId
        try object.rejectUnknownKeys()
        return Groups(objectClasses: Set(classes.map { $0.lowercased() }), externalId: id)
    }

    /// The JSON Schema of the settings object.
    static let schema = """
    {"type":"object","properties":{\
    "path":{"type":"string"},\
    "userFilter":{"type":"array","items":{"type":"string"}},\
    "externalId":{"type":"string"},\
    "status":{"type":"object"},\
    "groups":{"type":["object","boolean"]},\
    "changeRecords":{"type":"boolean"},\
    "urlDirectory":{"type":"string"},\
    "excludeAttributes":{"type":"array","items":{"type":"string"}},\
    "operationalAttributes":{"type":"boolean"},\
    "binaryAttributes":{"type":"array","items":{"type":"string"}}},\
    "required":["path"],"additionalProperties":false}
    """
}
