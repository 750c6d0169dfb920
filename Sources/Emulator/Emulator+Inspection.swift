import Foundation
import HTTPServer
import XaasText

/// The inspection and control API under `/emulator/v1/…` (never part of Okta's API; loopback only, no auth).
extension Emulator {
    func handleInspection(_ request: HTTPRequest) -> HTTPResponse {
        // An empty address: an in-process call, not a connection.
        guard request.remoteAddress.isEmpty || LoopbackRule.isLoopbackPeer(request.remoteAddress) else {
            return Self.inspectionError(403, "the inspection API answers loopback clients only")
        }
        let parts = OktaRoute.segments(request.path).dropFirst(2).map { $0 }
        var response: HTTPResponse
        switch (request.method, parts.count, parts.first ?? "") {
        case ("POST", 1, "reset"):
            state.withLock { s in s.reset() }
            response = JSONBody.response(200, ["reset": true])
        case ("GET", 1, "clock"):
            response = state.withLock { s in JSONBody.response(200, s.clockJSON()) }
        case ("POST", 2, "clock") where parts[1] == "advance":
            response = advanceClock(request.body)
        case ("GET", 1, "orgs"):
            response = state.withLock { s in JSONBody.response(200, s.orgs.keys.sorted()) }
        case (_, 3, "orgs"):
            response = orgInspection(request, org: parts[1], what: parts[2])
        default:
            response = Self.inspectionError(404, "no such emulator endpoint: \(request.method) \(request.path)")
        }
        let now = state.withLock { s in s.clock.now }
        response.headers.set("Date", OktaTime.http(now))
        return response
    }

    static func inspectionError(_ status: Int, _ message: String) -> HTTPResponse {
        JSONBody.response(status, ["error": message])
    }

    private func advanceClock(_ body: [UInt8]) -> HTTPResponse {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let seconds = (object["seconds"] as? NSNumber)?.doubleValue, !(object["seconds"] is String), seconds >= 0 else {
            return Self.inspectionError(400, "expected a body {\"seconds\": N} with N ≥ 0")
        }
        let response = state.withLock { s -> HTTPResponse in
            guard s.clock.manual else {
                return Self.inspectionError(400, "the clock is the system clock; start the emulator with \"clock\": \"manual\"")
            }
            s.clock.advance(by: seconds)
            // Processing that falls due within the advanced time completes before this call returns.
            _ = s.processDue()
            return JSONBody.response(200, s.clockJSON())
        }
        wakeWorker()
        return response
    }

    private func orgInspection(_ request: HTTPRequest, org name: String, what: String) -> HTTPResponse {
        let query = Dictionary(request.queryItems.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        return state.withLock { s -> HTTPResponse in
            guard var org = s.orgs[name] else { return Self.inspectionError(404, "no org named '\(name)'") }
            org.expireSessions(now: s.clock.now)
            s.orgs[name] = org
            switch (request.method, what) {
            case ("GET", "users"): return s.usersPage(org, query: query, path: request.path)
            case ("GET", "groups"):
                let sources = query["identitySource"].map { [$0] } ?? org.config.identitySources
                let groups = sources.flatMap { src -> [[String: Any]] in
                    (org.directories[src]?.groups.values.sorted { $0.externalId < $1.externalId } ?? []).map { g in
                        ["id": g.id, "externalId": g.externalId, "identitySource": src, "profile": g.profile.json(s.names),
                         "members": g.members.sorted(), "created": OktaTime.iso(g.created),
                         "lastUpdated": OktaTime.iso(g.lastUpdated)]
                    }
                }
                return JSONBody.response(200, groups)
            case ("GET", "sessions"):
                return JSONBody.response(200, org.sessionOrder.compactMap { org.sessions[$0]?.inspectionJSON() })
            case ("GET", "stats"):
                return JSONBody.response(200, org.stats.json)
            case ("POST", "next-response"):
                guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                      let status = object["status"] as? Int, (100...599).contains(status) else {
                    return Self.inspectionError(400, "expected a body {\"status\": 503, \"body\": {…}, \"count\": 1}")
                }
                let body = object["body"].map { JSONBody.encode($0) } ?? []
                s.orgs[name]?.forced.append(ForcedResponse(status: status, body: body, remaining: (object["count"] as? Int) ?? 1))
                return JSONBody.response(200, ["queued": true])
            default:
                return Self.inspectionError(404, "no such emulator endpoint: \(request.method) \(request.path)")
            }
        }
    }
}

extension EmulatorState {
    func clockJSON() -> [String: Any] {
        ["now": OktaTime.iso(clock.now), "epochSeconds": clock.now, "manual": clock.manual]
    }

    /// `GET /emulator/v1/orgs/{org}/users[?identitySource=&status=&limit=&after=]`: all users when no limit is
    /// given; otherwise a page, the next one in `Link: <…?after=N&limit=L>; rel="next"` (`after` is an offset).
    func usersPage(_ org: OrgState, query: [String: String], path: String) -> HTTPResponse {
        let sources = query["identitySource"].map { [$0] } ?? org.config.identitySources
        let limit = query["limit"].flatMap(Int.init).map { max(1, $0) } ?? Int.max
        let after = query["after"].flatMap(Int.init) ?? 0
        let status = query["status"]
        var out: [[String: Any]] = []
        var position = 0
        var more = false
        outer: for src in sources {
            guard let dir = org.directories[src] else { continue }
            for user in dir.users {
                let userStatus = user.active ? "ACTIVE" : "DEPROVISIONED"
                if let status, status != userStatus { continue }
                position += 1
                if position <= after { continue }
                if out.count == limit {
                    more = true
                    break outer
                }
                out.append(["id": SourceDirectory.userID(user.idNumber), "externalId": user.externalId,
                            "identitySource": src, "status": userStatus, "profile": user.profile.json(names),
                            "created": OktaTime.iso(user.created), "lastUpdated": OktaTime.iso(user.lastUpdated)])
            }
        }
        var response = JSONBody.response(200, out)
        if more {
            var next = "\(path)?after=\(after + out.count)&limit=\(limit)"
            if let src = query["identitySource"] { next += "&identitySource=\(src)" }
            if let status { next += "&status=\(status)" }
            response.headers.add("Link", "<\(next)>; rel=\"next\"")
        }
        return response
    }

    /// Empties every org's directory, sessions, stats, rate windows and forced answers (the clock keeps its time).
    mutating func reset() {
        for (name, org) in orgs {
            var fresh = OrgState(config: org.config, seed: 0)
            fresh.faultRandom = org.faultRandom
            orgs[name] = fresh
        }
        resetStore = true
    }
}
