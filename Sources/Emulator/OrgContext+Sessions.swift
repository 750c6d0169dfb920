import Foundation
import HTTPServer

/// Session operations: create, list, get, cancel, start-import (reference §3 #1–4, #11; §5).
extension OrgContext {
    /// Runs one authorised operation on `source`.
    mutating func perform(_ route: OktaRoute, source: String, request: HTTPRequest) throws(EmulatorError) -> HTTPResponse {
        switch route {
        case .createSession: return try createSession(source)
        case .listSessions:
            let list = org.sessionOrder.compactMap { org.sessions[$0] }
                .filter { $0.source == source && (org.config.listSessionsIncludesInactive || $0.status.isActive) }
            return JSONBody.response(200, list.map { $0.json() })
        case .getSession(let id):
            return JSONBody.response(200, try touch(id, source).json())
        case .cancelSession(let id): return try cancel(id, source)
        case .startImport(let id): return try startImport(id, source)
        case .bulk(let id, let kind): return try bulk(kind, session: id, source: source, body: request.body)
        case .createUser, .getUser, .replaceUser, .patchUser, .deleteUser:
            return try userOperation(route, source: source, body: request.body)
        case .createGroup, .getGroup, .updateGroup, .deleteGroup, .listMembers, .addMember, .removeMember:
            return try groupOperation(route, source: source, request: request)
        case .unknown:
            throw EmulatorError.notFound(request.path)
        }
    }

    /// The session `id` of `source`, its activity time refreshed; unknown IDs answer per `unknownSessionStatus`.
    mutating func touch(_ id: String, _ source: String) throws(EmulatorError) -> EmulatorSession {
        guard var session = org.sessions[id], session.source == source else {
            if org.config.unknownSessionStatus == 404 { throw EmulatorError.notFound(id) }
            throw EmulatorError.validation("importSessionId", ["The import session ID is invalid: \(id)"],
                                       status: org.config.unknownSessionStatus)
        }
        if session.status.isOpen {
            session.lastActivity = now
            org.sessions[id] = session
            org.dirtySessions.insert(id)
        }
        return session
    }

    mutating func createSession(_ source: String) throws(EmulatorError) -> HTTPResponse {
        let gateError = EmulatorError.validation("identitySourceId", [org.config.sessionGateErrorSummary])
        if org.openSession(source: source) != nil { throw gateError }
        if org.config.sessionGate != .activeOnly, let last = org.lastTrigger[source],
           now - last.at < org.config.cooldownSeconds {
            let stillTriggered = org.sessions[last.session]?.status == .triggered
            if org.config.sessionGate == .sinceTrigger || stillTriggered { throw gateError }
        }
        let session = EmulatorSession(id: ids.oktaID("aps"), source: source, status: .created, created: now,
                                    lastUpdated: now, lastActivity: now)
        org.sessions[session.id] = session
        org.sessionOrder.append(session.id)
        org.dirtySessions.insert(session.id)
        org.stats.sessionsCreated += 1
        return JSONBody.response(org.config.createSessionStatus, session.json())
    }

    mutating func cancel(_ id: String, _ source: String) throws(EmulatorError) -> HTTPResponse {
        var session = try touch(id, source)
        guard session.status.isOpen else {
            throw EmulatorError.validation("importSessionId",
                                       ["Only a session that is in CREATED or IN_PROGRESS status can be canceled."])
        }
        session.status = .closed
        session.operations = []
        session.lastUpdated = now
        org.sessions[id] = session
        return HTTPResponse(status: 204)
    }

    mutating func startImport(_ id: String, _ source: String) throws(EmulatorError) -> HTTPResponse {
        var session = try touch(id, source)
        let allowed = session.status == .inProgress || (session.status == .created && org.config.allowTriggerFromCreated)
        guard allowed else {
            let why = session.status == .created
                ? "The import session has no data to import; upload data before starting the import."
                : "Only a session that is in IN_PROGRESS status can be triggered (status: \(session.status.rawValue))."
            throw EmulatorError.validation("importSessionId", [why])
        }
        session.status = .triggered
        session.triggeredAt = now
        session.lastUpdated = now
        if session.pendingError == nil, org.faultRandom.chance(org.config.faults.sessionError) {
            session.pendingError = "injected fault: the import failed"
            org.stats.faultsInjected += 1
        }
        org.sessions[id] = session
        org.queues[source, default: []].append(id)
        org.lastTrigger[source] = (id, now)
        triggered = true
        return JSONBody.response(200, session.json())
    }
}
