import Foundation
import HTTPServer

/// Individual users, groups and memberships: no session, act at once (reference §2.6, §3 #13–24).
extension OrgContext {
    static let baseUserFields = ["userName", "email", "firstName", "lastName", "secondEmail", "mobilePhone", "homeAddress"]

    /// The user JSON Okta returns: unset base fields as explicit nulls.
    func userJSON(_ user: UserRecord) -> [String: Any] {
        var profile = user.profile.json(names)
        for field in Self.baseUserFields where profile[field] == nil { profile[field] = NSNullValue.null }
        return ["id": SourceDirectory.userID(user.idNumber), "externalId": user.externalId,
                "created": OktaTime.iso(user.created), "lastUpdated": OktaTime.iso(user.lastUpdated), "profile": profile]
    }

    func groupJSON(_ group: GroupRecord) -> [String: Any] {
        var profile = group.profile.json(names)
        if profile["description"] == nil { profile["description"] = NSNullValue.null }
        return ["id": group.id, "externalId": group.externalId, "profile": profile,
                "created": OktaTime.iso(group.created), "lastUpdated": OktaTime.iso(group.lastUpdated)]
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    mutating func userOperation(_ route: OktaRoute, source: String, body: [UInt8]) throws(EmulatorError) -> HTTPResponse {
        var dir = org.directories[source] ?? SourceDirectory(source: source)
        defer { org.directories[source] = dir }
        switch route {
        case .createUser:
            let object = try JSONBody.decodeObject(body)
            let externalId = try identifier(object["externalId"], "externalId", max: 512)
            let profile = try requiredProfile(object["profile"])
            if let existing = dir.user(externalId), existing.active {
                throw EmulatorError.validation("externalId", ["externalId: a user with externalId '\(externalId)' already exists."])
            }
            var user = UserRecord(externalId: externalId, idNumber: ids.next(), active: true, created: now,
                                  lastUpdated: now, profile: profile)
            if let existing = dir.user(externalId) {
                user.idNumber = existing.idNumber
                user.created = existing.created
            }
            dir.put(user)
            return JSONBody.response(200, userJSON(user))
        case .getUser(let externalId):
            guard let user = dir.user(externalId) else { throw EmulatorError.notFound(externalId) }
            return JSONBody.response(200, userJSON(user))
        case .replaceUser(let externalId), .patchUser(let externalId):
            guard var user = dir.user(externalId) else { throw EmulatorError.notFound(externalId) }
            let object = try JSONBody.decodeObject(body)
            if case .replaceUser = route {
                if let sent = object["externalId"] as? String, sent != externalId {
                    throw EmulatorError.validation("externalId", ["externalId: '\(sent)' does not match the path ('\(externalId)')."])
                }
                user.profile = try requiredProfile(object["profile"])
            } else {
                let (patch, _) = try profileValues(object["profile"], "profile")
                // Explicit nulls in a PATCH unset the field.
                var merged = user.profile.merged(with: patch, &names).pairs(names)
                if let raw = object["profile"] as? [String: Any] {
                    merged.removeAll { raw[$0.0] is NSNull }
                }
                user.profile = CompactProfile(merged, names: &names)
            }
            user.lastUpdated = now
            dir.put(user)
            return JSONBody.response(200, userJSON(user))
        case .deleteUser(let externalId):
            guard var user = dir.user(externalId) else { throw EmulatorError.notFound(externalId) }
            if user.active {
                user.active = false
                user.lastUpdated = now
                dir.put(user)
            }
            return HTTPResponse(status: org.config.deleteEntityStatus)
        default:
            throw EmulatorError.notFound(route.key)
        }
    }

    /// A user profile that must carry `email` and `userName` (UserRequestSchema).
    private mutating func requiredProfile(_ value: Any?) throws(EmulatorError) -> CompactProfile {
        let (profile, _) = try profileValues(value, "profile")
        for field in ["email", "userName"] where profile.value(field, names)?.isEmpty ?? true {
            throw EmulatorError.validation("profile", ["profile.\(field): The field is required."])
        }
        return profile
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    mutating func groupOperation(_ route: OktaRoute, source: String, request: HTTPRequest) throws(EmulatorError) -> HTTPResponse {
        var dir = org.directories[source] ?? SourceDirectory(source: source)
        defer { org.directories[source] = dir }
        switch route {
        case .createGroup:
            let object = try JSONBody.decodeObject(request.body)
            let externalId = try identifier(object["externalId"], "externalId", max: 255)
            let profile = try groupProfile(object["profile"])
            guard dir.groups[externalId] == nil else {
                throw EmulatorError.validation("externalId", ["externalId: a group with externalId '\(externalId)' already exists."])
            }
            let group = GroupRecord(externalId: externalId, id: ids.oktaID("00g"), profile: profile, created: now,
                                    lastUpdated: now, members: [])
            dir.putGroup(group)
            return JSONBody.response(200, groupJSON(group))
        case .getGroup(let key):
            guard let group = dir.group(key) else { throw EmulatorError.notFound(key) }
            return JSONBody.response(200, groupJSON(group))
        case .updateGroup(let key):
            guard var group = dir.group(key) else { throw EmulatorError.notFound(key) }
            let object = try JSONBody.decodeObject(request.body)
            group.profile = try groupProfile(object["profile"])
            group.lastUpdated = now
            dir.putGroup(group)
            return JSONBody.response(200, groupJSON(group))
        case .deleteGroup(let key):
            guard let group = dir.group(key) else { throw EmulatorError.notFound(key) }
            dir.removeGroup(group.externalId)
            return HTTPResponse(status: org.config.deleteEntityStatus)
        case .listMembers(let key):
            guard let group = dir.group(key) else { throw EmulatorError.notFound(key) }
            var limit = 1000
            var after: String?
            for (name, value) in request.queryItems {
                if name == "limit" { limit = max(1, min(1000, Int(value) ?? 1000)) }
                if name == "after" { after = value }
            }
            let sorted = group.members.sorted()
            let start = after.map { a in sorted.firstIndex { $0 > a } ?? sorted.count } ?? 0
            let page = Array(sorted[start..<min(sorted.count, start + limit)])
            var response = JSONBody.response(200, ["memberExternalIds": page])
            if start + limit < sorted.count, let last = page.last {
                let cursor = last.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? last
                response.headers.add("Link", "<\(request.path)?after=\(cursor)&limit=\(limit)>; rel=\"next\"")
            }
            return response
        case .addMember(let key):
            guard var group = dir.group(key) else { throw EmulatorError.notFound(key) }
            let object = try JSONBody.decodeObject(request.body)
            let member = try identifier(object["memberExternalId"], "memberExternalId", max: 512)
            guard dir.user(member) != nil else {
                throw EmulatorError.validation("memberExternalId", ["memberExternalId: no user with externalId '\(member)'."])
            }
            if group.members.insert(member).inserted {
                group.lastUpdated = now
                dir.putGroup(group)
            }
            return HTTPResponse(status: 204)
        case .removeMember(let key, let member):
            guard var group = dir.group(key) else { throw EmulatorError.notFound(key) }
            if group.members.remove(member) != nil {
                group.lastUpdated = now
                dir.putGroup(group)
            }
            return HTTPResponse(status: 204)
        default:
            throw EmulatorError.notFound(route.key)
        }
    }

    private mutating func groupProfile(_ value: Any?) throws(EmulatorError) -> CompactProfile {
        let (profile, bad) = try profileValues(value, "profile")
        if let bad { throw EmulatorError.validation("profile", [bad]) }
        if profile.value("displayName", names)?.isEmpty ?? true {
            throw EmulatorError.validation("profile", ["profile.displayName: The field is required."])
        }
        return profile
    }
}
