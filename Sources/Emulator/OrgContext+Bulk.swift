import Foundation
import HTTPServer

/// Bulk uploads into a session (reference §2.2–2.4, §3 #5–10, §6): validation, limits, staging.
extension OrgContext {
    mutating func bulk(_ kind: String, session id: String, source: String, body: [UInt8]) throws(EmulatorError) -> HTTPResponse {
        var session = try touch(id, source)
        let config = org.config
        guard session.status.isOpen else {
            throw EmulatorError.validation("importSessionId", [
                "Bulk upload is allowed only for an import session in CREATED or IN_PROGRESS status "
                    + "(status: \(session.status.rawValue)).",
            ])
        }
        if body.count > config.maxBytes {
            throw EmulatorError.validation("payload", [
                "The request body is \(body.count) bytes; a bulk request may carry at most \(config.maxBytes) bytes.",
            ], status: config.limitErrorStatus)
        }
        if session.report.bulkRequests >= config.maxRequestsPerSession {
            throw EmulatorError.validation("importSessionId", [
                "An import session accepts at most \(config.maxRequestsPerSession) bulk requests; "
                    + "start the import and open a new session.",
            ], status: config.limitErrorStatus)
        }
        let object = try JSONBody.decodeObject(body)
        var pendingError: String?
        let op: StagedOperation
        switch kind {
        case "bulk-upsert":
            try checkEntityType(object)
            let items = try list(object, "profiles")
            var staged: [(externalId: String, profile: CompactProfile)] = []
            for (i, item) in items.enumerated() {
                let at = "profiles[\(i)]"
                let entry = try dictionary(item, at)
                let externalId = try identifier(entry["externalId"], "\(at).externalId", max: 512)
                if let problem = SpecLimits.userProblem(entry["profile"], at: "\(at).profile") {
                    throw EmulatorError.validation("profiles", [problem])
                }
                let (profile, bad) = try profileValues(entry["profile"], "\(at).profile")
                if let bad { pendingError = pendingError ?? bad }
                staged.append((externalId, profile))
            }
            op = .upsertUsers(staged)
        case "bulk-delete":
            try checkEntityType(object)
            let items = try list(object, "profiles")
            op = .deleteUsers(try items.enumerated().map { (i, item) throws(EmulatorError) in
                try identifier(try dictionary(item, "profiles[\(i)]")["externalId"], "profiles[\(i)].externalId", max: 512)
            })
        case "bulk-groups-upsert":
            let items = try list(object, "profiles")
            var staged: [(externalId: String, profile: CompactProfile)] = []
            for (i, item) in items.enumerated() {
                let entry = try dictionary(item, "profiles[\(i)]")
                let externalId = try identifier(entry["externalId"], "profiles[\(i)].externalId", max: 255)
                let (profile, bad) = try profileValues(entry["profile"], "profiles[\(i)].profile")
                if let bad { throw EmulatorError.validation("profiles", [bad]) }
                if let problem = SpecLimits.groupProblem(entry["profile"], at: "profiles[\(i)].profile") {
                    throw EmulatorError.validation("profiles", [problem])
                }
                if profile.value("displayName", names)?.isEmpty ?? true {
                    throw EmulatorError.validation("profiles", ["profiles[\(i)].profile.displayName: The field is required."])
                }
                staged.append((externalId, profile))
            }
            op = .upsertGroups(staged)
        case "bulk-groups-delete":
            let items = try list(object, "externalIds")
            op = .deleteGroups(try items.enumerated().map { (i, v) throws(EmulatorError) in
                try identifier(v, "externalIds[\(i)]", max: 255)
            })
        default:  // bulk-group-memberships-upsert / -delete
            let items = try list(object, "memberships")
            var staged: [(group: String, members: [String])] = []
            for (i, item) in items.enumerated() {
                let entry = try dictionary(item, "memberships[\(i)]")
                let group = try identifier(entry["groupExternalId"], "memberships[\(i)].groupExternalId", max: 255)
                guard let members = entry["memberExternalIds"] as? [Any], !members.isEmpty else {
                    throw EmulatorError.validation("memberships",
                                               ["memberships[\(i)].memberExternalIds: expected a non-empty array of strings."])
                }
                staged.append((group, try members.enumerated().map { (j, m) throws(EmulatorError) in
                    try identifier(m, "memberships[\(i)].memberExternalIds[\(j)]", max: SpecLimits.membershipIdLength)
                }))
            }
            op = kind.hasSuffix("-upsert") ? .addMemberships(staged) : .removeMemberships(staged)
        }
        try stage(op, into: &session, pendingError: pendingError)
        org.sessions[id] = session
        return HTTPResponse(status: 202)
    }

    /// Adds a validated operation to the session: duplicates, effect (CREATED → IN_PROGRESS), counters.
    private mutating func stage(_ op: StagedOperation, into session: inout EmulatorSession,
                                pendingError: String?) throws(EmulatorError) {
        var effect = true
        var count = 0
        switch op {
        case .upsertUsers(let items):
            count = items.count
            let ids = items.map(\.externalId)
            if org.config.rejectDuplicates {
                var seen = session.stagedUserIds
                for id in ids where !seen.insert(id).inserted {
                    throw EmulatorError.validation("profiles", ["externalId '\(id)' was already sent in this import session."])
                }
            }
            session.stagedUserIds.formUnion(ids)
        case .deleteUsers(let ids):
            count = ids.count
            let directory = org.directories[session.source]
            effect = ids.contains { directory?.user($0) != nil || session.stagedUserIds.contains($0) }
        case .upsertGroups(let items): count = items.count
        case .deleteGroups(let ids):
            count = ids.count
            let directory = org.directories[session.source]
            effect = ids.contains { directory?.groups[$0] != nil } || session.operations.contains {
                if case .upsertGroups = $0 { true } else { false }
            }
        case .addMemberships(let items), .removeMemberships(let items):
            count = items.reduce(0) { $0 + $1.members.count }
        }
        if let pendingError { session.pendingError = session.pendingError ?? pendingError }
        session.operations.append(op)
        session.report.bulkRequests += 1
        session.report.entities += count
        if effect, session.status == .created { session.status = .inProgress }
        session.lastUpdated = now
        org.stats.bulkRequests += 1
        org.dirtySessions.insert(session.id)
    }

    private func checkEntityType(_ object: [String: Any]) throws(EmulatorError) {
        guard let type = object["entityType"] as? String, type == "USERS" else {
            let cause = "entityType: The field entityType is not valid."
            if org.config.entityTypeErrorCode == "E0000003" { throw EmulatorError.malformed(cause) }
            var e = EmulatorError.validation("entityType", [cause])
            e.code = org.config.entityTypeErrorCode
            throw e
        }
    }

    /// The non-empty array `key`, at most `maxItems` long.
    private func list(_ object: [String: Any], _ key: String) throws(EmulatorError) -> [Any] {
        guard let items = object[key] as? [Any], !items.isEmpty else {
            throw EmulatorError.validation(key, ["\(key): The field is required and must be a non-empty array."])
        }
        guard items.count <= org.config.maxItems else {
            throw EmulatorError.validation(key, [
                "\(key): \(items.count) entities in one bulk request; the limit is \(org.config.maxItems).",
            ], status: org.config.limitErrorStatus)
        }
        return items
    }

    private func dictionary(_ value: Any, _ at: String) throws(EmulatorError) -> [String: Any] {
        guard let d = value as? [String: Any] else { throw EmulatorError.validation(at, ["\(at): expected an object."]) }
        return d
    }

    func identifier(_ value: Any?, _ at: String, max: Int) throws(EmulatorError) -> String {
        guard let s = value as? String, !s.isEmpty, s.count <= max else {
            throw EmulatorError.validation(at, ["\(at): expected a non-empty string of at most \(max) characters."])
        }
        return s
    }

    /// Packs a profile object. Nulls are dropped (null = unset). A non-string value fails with 400 when the org
    /// rejects at upload; otherwise it is reported in the second result (the import will end in ERROR).
    mutating func profileValues(_ value: Any?, _ at: String) throws(EmulatorError) -> (CompactProfile, String?) {
        guard let object = value as? [String: Any] else {
            throw EmulatorError.validation(at, ["\(at): expected an object of string values."])
        }
        var pairs: [(String, String?)] = []
        pairs.reserveCapacity(object.count)
        var bad: String?
        for key in object.keys.sorted() {
            let v = object[key]!
            if let s = v as? String {
                pairs.append((key, s))
            } else if !(v is NSNull) {
                let cause = "\(at).\(key): The value must be a string; got \(JSONBody.kind(v)). Arrays are not supported."
                if org.config.rejectNonStringAtUpload { throw EmulatorError.validation(at, [cause]) }
                bad = bad ?? cause
            }
        }
        return (CompactProfile(pairs, names: &names), bad)
    }
}
