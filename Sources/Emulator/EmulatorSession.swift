/// The states of an import session (reference §2.1, §5).
enum SessionStatus: String, Sendable {
    case created = "CREATED", inProgress = "IN_PROGRESS", triggered = "TRIGGERED", completed = "COMPLETED"
    case closed = "CLOSED", expired = "EXPIRED", error = "ERROR"

    /// `CREATED` or `IN_PROGRESS`: uploads allowed, cancellable, expires when idle.
    var isOpen: Bool { self == .created || self == .inProgress }
    /// Open or `TRIGGERED` (what `GET /sessions` lists).
    var isActive: Bool { isOpen || self == .triggered }
}

/// One accepted bulk request, staged in its session until processing.
enum StagedOperation: Sendable {
    case upsertUsers([(externalId: String, profile: CompactProfile)])
    case deleteUsers([String])
    case upsertGroups([(externalId: String, profile: CompactProfile)])
    case deleteGroups([String])
    case addMemberships([(group: String, members: [String])])
    case removeMemberships([(group: String, members: [String])])

    /// The stats / route key of the endpoint that produced it.
    var endpoint: String {
        switch self {
        case .upsertUsers: "bulk-upsert"
        case .deleteUsers: "bulk-delete"
        case .upsertGroups: "bulk-groups-upsert"
        case .deleteGroups: "bulk-groups-delete"
        case .addMemberships: "bulk-group-memberships-upsert"
        case .removeMemberships: "bulk-group-memberships-delete"
        }
    }
}

/// What processing a session did (the emulator's import report).
struct ImportReport: Sendable, Equatable {
    var created = 0, updated = 0, unchanged = 0, deactivated = 0, reactivated = 0, ignored = 0, failed = 0
    var groupsCreated = 0, groupsUpdated = 0, groupsUnchanged = 0, groupsDeleted = 0
    var membershipsAdded = 0, membershipsRemoved = 0
    var bulkRequests = 0, entities = 0

    static let keys = [
        "created", "updated", "unchanged", "deactivated", "reactivated", "ignored", "failed", "groupsCreated",
        "groupsUpdated", "groupsUnchanged", "groupsDeleted", "membershipsAdded", "membershipsRemoved", "bulkRequests",
        "entities",
    ]

    var values: [Int] {
        [created, updated, unchanged, deactivated, reactivated, ignored, failed, groupsCreated, groupsUpdated,
         groupsUnchanged, groupsDeleted, membershipsAdded, membershipsRemoved, bulkRequests, entities]
    }

    var json: [String: Any] { Dictionary(uniqueKeysWithValues: zip(Self.keys, values.map { $0 as Any })) }

    init() {}

    /// Rebuilds a report from `json` (state file).
    init(json: [String: Any]) {
        func v(_ k: String) -> Int { (json[k] as? Int) ?? 0 }
        created = v("created"); updated = v("updated"); unchanged = v("unchanged"); deactivated = v("deactivated")
        reactivated = v("reactivated"); ignored = v("ignored"); failed = v("failed")
        groupsCreated = v("groupsCreated"); groupsUpdated = v("groupsUpdated"); groupsUnchanged = v("groupsUnchanged")
        groupsDeleted = v("groupsDeleted"); membershipsAdded = v("membershipsAdded")
        membershipsRemoved = v("membershipsRemoved"); bulkRequests = v("bulkRequests"); entities = v("entities")
    }
}

/// An import session of one identity source: its state, staged bulk data and report.
struct EmulatorSession: Sendable {
    var id: String
    var source: String
    var status: SessionStatus
    var created: Double
    var lastUpdated: Double
    /// The last API request that named this session (drives expiry).
    var lastActivity: Double
    var triggeredAt: Double?
    /// When processing finished (emulated time).
    var finishedAt: Double?
    var operations: [StagedOperation] = []
    /// ExternalIds staged by upserts in this session (duplicate detection when `duplicates` is `error`).
    var stagedUserIds: Set<String> = []
    /// Set when staged data already dooms the import (a non-string value in `failImport` mode).
    var pendingError: String?
    var errorReason: String?
    var report = ImportReport()

    /// The session JSON Okta returns (reference §2.1).
    func json() -> [String: Any] {
        ["id": id, "identitySourceId": source, "status": status.rawValue, "importType": "INCREMENTAL",
         "created": OktaTime.iso(created), "lastUpdated": OktaTime.iso(lastUpdated)]
    }

    /// The inspection view: the Okta fields plus the report and timings.
    func inspectionJSON() -> [String: Any] {
        var j = json()
        j["report"] = report.json
        j["triggered"] = triggeredAt.map { OktaTime.iso($0) as Any } ?? NSNullValue.null
        j["finished"] = finishedAt.map { OktaTime.iso($0) as Any } ?? NSNullValue.null
        if let errorReason { j["errorReason"] = errorReason }
        return j
    }
}
