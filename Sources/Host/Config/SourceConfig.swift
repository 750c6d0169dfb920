import Foundation
import XaasJSON

/// One identity source of a tenant: `connectors.d/<tenant>/<source>.json`.
///
/// `description` shows no settings (they may hold credentials).
public struct SourceConfig: Sendable, CustomStringConvertible, CustomReflectable {
    /// The tenant (folder name).
    public var tenant: String
    /// The source name (file stem).
    public var name: String
    /// The source's config file.
    public var file: URL
    /// The Okta identity source id (`0oa…`).
    public var identitySourceId: String
    /// A connector name (`csv`, `ldif`, `static`, …) or, when given as a path, its absolute path.
    public var connector: String
    /// The `settings` object re-serialised, with relative paths resolved against the file's folder.
    public var settingsJSON: String
    /// Records not matching are skipped (`nil` = all records).
    public var filter: FilterExpression?
    /// Okta profile attribute ← template.
    public var mapping: Mapping
    public var safeguards: Safeguards
    /// A disabled source is loaded and checked but not synced.
    public var enabled: Bool
    /// Records per connector page (default 500).
    public var pageSize: Int
    /// A per-run timeout; a config file that does not set one gets ``defaultTimeoutSeconds``.
    public var timeoutSeconds: Double?
    /// The run timeout of a source whose file does not set `timeoutSeconds` (12 hours): no run is unbounded.
    public static let defaultTimeoutSeconds: Double = 12 * 3600
    public var schedule: Schedule?
    /// Group sync was asked for explicitly (`"groups": true` or an enabled object).
    public var groups: Bool
    /// Start/end dates of users (`"lifecycle"`), when configured.
    public var lifecycle: LifecycleConfig?
    /// The `groups` key as written; `nil` when absent (then groups sync if the connector reads them).
    public var groupSync: GroupSyncConfig?
    /// `pageTimeoutSeconds` and `memoryLimitMB`: what the sync worker allows the connector.
    public var workerLimits = WorkerLimits()

    /// The default ``pageSize``.
    public static let defaultPageSize = 500

    public init(tenant: String, name: String, file: URL, identitySourceId: String, connector: String,
                settingsJSON: String = "{}", filter: FilterExpression? = nil, mapping: Mapping,
                safeguards: Safeguards = Safeguards(), enabled: Bool = true, pageSize: Int = SourceConfig.defaultPageSize,
                timeoutSeconds: Double? = nil, schedule: Schedule? = nil, groups: Bool = false) {
        self.tenant = tenant
        self.name = name
        self.file = file
        self.identitySourceId = identitySourceId
        self.connector = connector
        self.settingsJSON = settingsJSON
        self.filter = filter
        self.mapping = mapping
        self.safeguards = safeguards
        self.enabled = enabled
        self.pageSize = pageSize
        self.timeoutSeconds = timeoutSeconds
        self.schedule = schedule
        self.groups = groups
    }

    public var description: String {
        "source \(tenant)/\(name) (identity source \(identitySourceId), connector \(connector)\(enabled ? "" : ", disabled"))"
    }

    /// Hides ``settingsJSON`` (it may hold credentials) from `dump` and other mirror-based printing.
    public var customMirror: Mirror {
        Mirror(self, children: ["tenant": tenant, "name": name, "file": file.path, "identitySourceId": identitySourceId,
                                "connector": connector, "settings": "<\(settingsJSON.utf8.count) bytes>",
                                "filter": filter?.text as Any, "mapping": mapping.profileAttributes, "enabled": enabled])
    }

    /// Whether ``connector`` names a library file rather than a registered connector.
    public var connectorIsPath: Bool { connector.hasPrefix("/") }

    static let knownKeys = ["identitySourceId", "connector", "settings", "filter", "mapping", "safeguards", "enabled",
                            "pageSize", "timeoutSeconds", "schedule", "groups", "lifecycle"] + WorkerLimits.keys

    /// Reads a source file (already parsed), reporting problems to `reader`; nil when it has any problem.
    static func read(_ json: JSONValue, tenant: String, name: String, file: URL, reader: inout ConfigReader) -> SourceConfig? {
        let before = reader.problems.count
        let directory = file.deletingLastPathComponent()
        reader.rejectUnknownKeys(json, at: "$", known: knownKeys)

        let sourceId = reader.string(json, "identitySourceId", at: "$", required: true)
        if let sourceId, sourceId.range(of: #"^[A-Za-z0-9]{1,64}$"#, options: .regularExpression) == nil {
            reader.problem("$.identitySourceId", "expected an Okta id made of letters and digits, such as \"0oa1b2c3d4e5f6g7h8i9\"")
        }
        var connector = reader.string(json, "connector", at: "$", required: true)
        if let name = connector {
            connector = readConnector(name, directory: directory, reader: &reader)
        }
        var settingsJSON = "{}"
        if let settings = reader.object(json, "settings", at: "$") {
            settingsJSON = SettingsPaths.resolve(settings, against: directory).serialized
        }
        var filter: FilterExpression?
        if let text = reader.string(json, "filter", at: "$") {
            do { filter = try FilterExpression(text) } catch { reader.problem("$.filter", error.description) }
        }
        let mapping = readMapping(json, reader: &reader)
        let safeguards = readSafeguards(json, reader: &reader)
        let enabled = reader.bool(json, "enabled", at: "$") ?? true
        let pageSize = reader.int(json, "pageSize", at: "$", range: 1...100_000) ?? defaultPageSize
        let timeout = reader.double(json, "timeoutSeconds", at: "$", range: 0...(7 * 86_400), lowerOpen: true)
        var schedule: Schedule?
        if let value = reader.object(json, "schedule", at: "$") {
            schedule = ScheduleParser.read(value, reader: &reader)
        }
        let groupSync = GroupSyncConfig.read(json, reader: &reader)
        let lifecycle = LifecycleConfig.read(json, reader: &reader)
        let workerLimits = WorkerLimits.read(json, reader: &reader)

        guard reader.problems.count == before, let sourceId, let connector, let mapping else { return nil }
        var source = SourceConfig(tenant: tenant, name: name, file: file, identitySourceId: sourceId, connector: connector,
                                  settingsJSON: settingsJSON, filter: filter, mapping: mapping, safeguards: safeguards,
                                  enabled: enabled, pageSize: pageSize, timeoutSeconds: timeout ?? Self.defaultTimeoutSeconds,
                                  schedule: schedule, groups: groupSync?.enabled ?? false)
        source.groupSync = groupSync
        source.lifecycle = lifecycle
        source.workerLimits = workerLimits
        return source
    }

    /// A connector name (`[a-z0-9_-]`) stays as is; a path (containing `/` or ending in `.so`) is resolved
    /// against the file's folder and must exist.
    static func readConnector(_ text: String, directory: URL, reader: inout ConfigReader) -> String? {
        if text.contains("/") || text.hasSuffix(".so") || text.hasSuffix(".dylib") {
            let url = ConfigDirectory.resolve(text, against: directory)
            guard FileManager.default.fileExists(atPath: url.path) else {
                reader.problem("$.connector", "connector library not found: \(ConfigDirectory.displayPath(url))")
                return nil
            }
            return url.path
        }
        guard text.range(of: #"^[a-z0-9][a-z0-9_-]*$"#, options: .regularExpression) != nil else {
            reader.problem("$.connector", "expected a connector name (lowercase letters, digits, '-', '_'; see 'xaas plugins list') "
                           + "or a path to a connector library")
            return nil
        }
        return text
    }

    static func readMapping(_ json: JSONValue, reader: inout ConfigReader) -> Mapping? {
        guard let object = reader.object(json, "mapping", at: "$", required: true),
              case .object(let members) = object else { return nil }
        var templates: [(name: String, template: String)] = []
        var ok = true
        for member in members {
            let path = ConfigReader.child("$.mapping", member.key)
            guard case .string(let template) = member.value else {
                reader.problem(path, "expected a template string such as \"${email}\", got \(member.value.typeName)")
                ok = false
                continue
            }
            if member.key == "externalId" {
                reader.problem(path, "externalId comes from the connector (its \"externalId\" setting), not from the mapping")
                ok = false
                continue
            }
            guard member.key.range(of: #"^[A-Za-z][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                reader.problem(path, "not a valid Okta profile attribute name (letters, digits and '_', starting with a letter)")
                ok = false
                continue
            }
            do {
                _ = try MappingTemplate(template)
                templates.append((member.key, template))
            } catch {
                reader.problem(path, error.positionedMessage)
                ok = false
            }
        }
        for required in ["userName", "email"] where !members.contains(where: { $0.key == required }) {
            reader.problem("$.mapping", "\(required) must be mapped (e.g. \"\(required)\": \"${email}\")")
            ok = false
        }
        guard ok else { return nil }
        do { return try Mapping(templates) } catch {
            reader.problem(ConfigReader.child("$.mapping", error.attribute), error.positionedMessage)
            return nil
        }
    }

    static func readSafeguards(_ json: JSONValue, reader: inout ConfigReader) -> Safeguards {
        var safeguards = Safeguards()
        guard let object = reader.object(json, "safeguards", at: "$") else { return safeguards }
        reader.rejectUnknownKeys(object, at: "$.safeguards", known: ["maxDeactivationPercent", "maxDeactivations",
                                                                     "maxClearingUpdatePercent", "maxInvalidPercent"])
        readChangeSafeguards(object, into: &safeguards, reader: &reader)
        if object["maxDeactivationPercent"] == .null {
            safeguards.maxDeactivationPercent = nil
        } else if let percent = reader.double(object, "maxDeactivationPercent", at: "$.safeguards", range: 0...100) {
            safeguards.maxDeactivationPercent = percent
        }
        safeguards.maxDeactivations = reader.int(object, "maxDeactivations", at: "$.safeguards", range: 0...Int(Int32.max))
        return safeguards
    }
}
