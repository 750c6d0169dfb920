import Foundation
import HTTPServer

/// The state one Okta API request works on: its org (moved out of the emulator state for the request), the
/// shared attribute names and ID generator, and the emulated time.
struct OrgContext {
    var org: OrgState
    var names: AttributeNames
    var ids: SeededRandom
    let now: Double
    /// Set when a session was triggered (the worker is woken).
    var triggered = false
}

extension Emulator {
    /// Answers an Identity Sources API request: auth, rate limit, faults, then the operation.
    func handleOkta(_ request: HTTPRequest) -> HTTPResponse {
        let parts = OktaRoute.segments(request.path)
        let outcome = state.withLock { s -> Outcome in
            let now = s.clock.now
            let requestId = s.ids.oktaID("", length: 20)
            var outcome = Outcome(requestId: requestId, now: now, limit: 1_000_000, remaining: 1_000_000,
                                  reset: Int(now.rounded(.up)) + 60)
            guard parts.count >= 4, parts[0] == "api", parts[1] == "v1", parts[2] == "identity-sources" else {
                outcome.result = .failure(.notFound(request.path))
                return outcome
            }
            let caller = self.resolveCaller(request, state: &s)
            guard case .success(let owner) = caller, var org = s.orgs.removeValue(forKey: owner.org) else {
                if case .failure(let error) = caller { outcome.result = .failure(error) } else { outcome.result = .failure(.invalidToken) }
                return outcome
            }
            defer { s.orgs[owner.org] = org }
            let route = OktaRoute(method: request.method, rest: Array(parts.dropFirst(4)))
            if route == .unknown, let allowed = OktaRoute.allowedMethods(rest: Array(parts.dropFirst(4))) {
                outcome.result = .failure(.methodNotAllowed(allowed))
                return outcome
            }
            org.stats.requests += 1
            org.stats.byEndpoint[route.key, default: 0] += 1
            org.stats.perMinute[Int(now / 60), default: 0] += 1
            let rate = org.countRequest(now: now)
            (outcome.limit, outcome.remaining, outcome.reset) = (org.limit, rate.remaining, rate.reset)
            guard rate.allowed else {
                org.stats.rateLimited += 1
                outcome.result = .failure(.rateLimited())
                return outcome
            }
            if let forced = Self.takeForced(&org) {
                outcome.result = .success(forced)
                return outcome
            }
            let faults = org.config.faults
            outcome.latencyMs = faults.latencyMs + (faults.routeLatencyMs[route.key] ?? 0)
            if let fault = Self.injectFault(&org, faults) {
                org.stats.faultsInjected += 1
                if fault.status == 429 {
                    org.stats.rateLimited += 1
                    (outcome.limit, outcome.remaining) = (0, 0)
                    outcome.reset = Int(now.rounded(.up)) + 1
                }
                outcome.drop = fault.drop
                outcome.result = .failure(fault.error)
                return outcome
            }
            let source = parts[3]
            guard org.config.identitySources.contains(source) else {
                outcome.result = .failure(.notFound(source))
                return outcome
            }
            if let scopes = owner.scopes, !Self.scopesAllow(scopes, route.scope) {
                outcome.result = .failure(.noPermission(scope: route.scope, resource: request.path))
                return outcome
            }
            org.expireSessions(now: now)
            var ctx = OrgContext(org: org, names: s.names, ids: s.ids, now: now)
            s.names = AttributeNames()
            outcome.result = Result { () throws(EmulatorError) in
                try ctx.perform(route, source: source, request: request)
            }
            org = ctx.org
            Self.loseAppliedResponse(&outcome, &org)
            s.names = ctx.names
            s.ids = ctx.ids
            outcome.triggered = ctx.triggered
            return outcome
        }
        if outcome.latencyMs > 0 { Thread.sleep(forTimeInterval: Double(outcome.latencyMs) / 1000) }
        if outcome.triggered { wakeWorker() }
        return outcome.response()
    }

    /// The outcome of one request, turned into a response outside the lock.
    struct Outcome {
        var requestId: String
        var now: Double
        var limit: Int
        var remaining: Int
        var reset: Int
        var latencyMs = 0
        var drop = false
        var triggered = false
        var result: Result<HTTPResponse, EmulatorError> = .failure(.server(500))

        func response() -> HTTPResponse {
            var response: HTTPResponse
            switch result {
            case .success(let r):
                response = r
            case .failure(let e):
                response = JSONBody.response(e.status, e.body(errorId: "oae" + requestId.prefix(17)))
                for (name, value) in e.headers { response.headers.set(name, value) }
            }
            response.headers.set("Date", OktaTime.http(now))
            response.headers.set("X-Okta-Request-Id", requestId)
            response.headers.set("X-Rate-Limit-Limit", String(limit))
            response.headers.set("X-Rate-Limit-Remaining", String(remaining))
            response.headers.set("X-Rate-Limit-Reset", String(reset))
            if drop {
                response.headers.set(Emulator.dropHeader, "1")
                response.headers.set("Connection", "close")
                response.dropsConnection = true
            }
            return response
        }
    }

    /// The token of an `Authorization: SSWS <t>` or `Bearer <t>` header. The space may be missing: Okta's Python
    /// SDK 3.4 sends `SSWS<t>` (observed in the interop test); the emulator accepts it so that SDK works.
    static func token(_ header: String?) -> (value: String, bearer: Bool)? {
        guard let header else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let lower = trimmed.lowercased()
        for (scheme, bearer) in [("ssws", false), ("bearer", true)] where lower.hasPrefix(scheme) {
            let value = trimmed.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
            return value.isEmpty ? nil : (value, bearer)
        }
        return nil
    }

    private static func takeForced(_ org: inout OrgState) -> HTTPResponse? {
        guard var first = org.forced.first else { return nil }
        first.remaining -= 1
        if first.remaining <= 0 { org.forced.removeFirst() } else { org.forced[0] = first }
        var headers = HTTPHeaders()
        if !first.body.isEmpty { headers.set("Content-Type", "application/json") }
        return HTTPResponse(status: first.status, headers: headers, body: first.body)
    }

    /// Draws the configured faults for one request, in a fixed order so a seed reproduces a run.
    private static func injectFault(_ org: inout OrgState, _ f: EmulatorConfiguration.Faults)
        -> (status: Int, error: EmulatorError, drop: Bool)? {
        if org.stormRemaining > 0 {
            org.stormRemaining -= 1
            return (429, .rateLimited(), false)
        }
        if org.faultRandom.chance(f.storm429) {
            org.stormRemaining = f.stormLength - 1
            return (429, .rateLimited(), false)
        }
        if org.faultRandom.chance(f.error500) { return (500, .server(500), false) }
        if org.faultRandom.chance(f.error503) { return (503, .server(503), false) }
        if org.faultRandom.chance(f.drop) { return (503, .server(503), true) }
        return nil
    }
}
