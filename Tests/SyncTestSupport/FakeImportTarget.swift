import Foundation
import Host
import Synchronization
import XaasJSON

/// An in-memory stand-in for one identity source in Okta, for engine unit tests: it enforces one open
/// session, ≤ 50 bulk requests per session and ≤ 200 entities per request, applies bulk bodies to a user
/// table when a session is triggered, and records every call. End-to-end tests use the real emulator.
public final class FakeImportTarget: ImportTarget, @unchecked Sendable {
    public struct State {
        public var sessions: [String: ImportSessionStatus] = [:]
        public var order: [String] = []
        public var bodies: [String: [(BulkOperation, [UInt8])]] = [:]
        public var users: [String: (active: Bool, profile: [String: String])] = [:]
        public var bulkRequests = 0
        public var calls: [String] = []
        public var failNextBulk = false
        public var endNextSessionWith: ImportSessionStatus?
        /// Per bulk call: the rate-limit task-locals it ran under (source, priority).
        public var bulkContexts: [(BulkOperation, String?, RateLimitPriority)] = []
    }

    public let identitySourceId = "0oafake"
    public let state = Mutex(State())

    public init() {}

    public func createSession() async throws -> ImportSession {
        try state.withLock { s in
            s.calls.append("create")
            if s.sessions.values.contains(where: { $0 == .created || $0 == .inProgress }) {
                throw OktaError(kind: .api, httpStatus: 400, errorCode: "E0000001", errorSummary: "open session exists")
            }
            let id = "aps\(s.order.count + 1)"
            s.sessions[id] = .created
            s.order.append(id)
            return ImportSession(id: id, identitySourceId: identitySourceId, status: .created)
        }
    }

    public func listSessions() async throws -> [ImportSession] {
        state.withLock { s in
            s.order.compactMap { id in
                let status = s.sessions[id]!
                guard [.created, .inProgress, .triggered].contains(status) else { return nil }
                return ImportSession(id: id, identitySourceId: identitySourceId, status: status)
            }
        }
    }

    public func getSession(_ id: String) async throws -> ImportSession {
        try state.withLock { s in
            guard var status = s.sessions[id] else {
                throw OktaError(kind: .api, httpStatus: 404, errorCode: "E0000007", errorSummary: "not found")
            }
            if status == .triggered {
                status = s.endNextSessionWith ?? .completed
                s.endNextSessionWith = nil
                s.sessions[id] = status
                if status == .completed { apply(id, &s) }
            }
            return ImportSession(id: id, identitySourceId: identitySourceId, status: status)
        }
    }

    public func cancelSession(_ id: String) async throws {
        state.withLock { s in
            s.calls.append("cancel \(id)")
            if [.created, .inProgress].contains(s.sessions[id]) { s.sessions[id] = .closed }
        }
    }

    public func startImport(_ id: String) async throws -> ImportSession {
        try state.withLock { s in
            s.calls.append("trigger \(id)")
            guard s.sessions[id] == .inProgress else {
                throw OktaError(kind: .api, httpStatus: 400, errorCode: "E0000001", errorSummary: "cannot trigger")
            }
            s.sessions[id] = .triggered
            return ImportSession(id: id, identitySourceId: identitySourceId, status: .triggered)
        }
    }

    public func bulk(_ operation: BulkOperation, sessionId: String, body: BulkBody) async throws {
        let context = (operation, RateLimitContext.source, RateLimitContext.priority)
        try state.withLock { s in
            s.bulkContexts.append(context)
            if s.failNextBulk {
                s.failNextBulk = false
                throw OktaError(kind: .transport, httpStatus: nil, errorCode: nil, errorSummary: "connection reset")
            }
            guard let status = s.sessions[sessionId], status == .created || status == .inProgress else {
                throw OktaError(kind: .api, httpStatus: 400, errorCode: "E0000001", errorSummary: "session not open")
            }
            guard body.entityCount <= 200, body.bytes.count <= 200 * 1024 else {
                throw OktaError(kind: .api, httpStatus: 400, errorCode: "E0000001", errorSummary: "too large")
            }
            guard (s.bodies[sessionId]?.count ?? 0) < 50 else {
                throw OktaError(kind: .api, httpStatus: 400, errorCode: "E0000001", errorSummary: "51st request")
            }
            s.bodies[sessionId, default: []].append((operation, body.bytes))
            s.sessions[sessionId] = .inProgress
            s.bulkRequests += 1
        }
    }

    private func apply(_ id: String, _ s: inout State) {
        for (operation, bytes) in s.bodies[id] ?? [] {
            guard let body = try? JSONValue.parse(bytes: bytes), let profiles = body["profiles"]?.arrayValue else { continue }
            for p in profiles {
                guard let externalId = p["externalId"]?.stringValue else { continue }
                if operation == .deleteUsers {
                    s.users[externalId]?.active = false
                } else {
                    var profile: [String: String] = [:]
                    for m in p["profile"]?.objectValue ?? [] { profile[m.key] = m.value.stringValue }
                    s.users[externalId] = (true, profile)
                }
            }
        }
    }

    public var users: [String: (active: Bool, profile: [String: String])] { state.withLock { $0.users } }
    public var bulkRequests: Int { state.withLock { $0.bulkRequests } }
}

/// A record source over an array, paged.
public struct ArraySource: RecordSource {
    public var records: [SourceRecord]
    public var failAfterPages: Int? = nil
    public var incremental = false

    public init(records: [SourceRecord], failAfterPages: Int? = nil, incremental: Bool = false) {
        self.records = records
        self.failAfterPages = failAfterPages
        self.incremental = incremental
    }

    public func readPage(cursor: String?, checkpoint: String?, pageSizeHint: Int) throws -> SourcePage {
        let start = Int(cursor ?? "0") ?? 0
        if let failAfterPages, start / max(1, pageSizeHint) >= failAfterPages {
            throw FakeSourceError(row: start)
        }
        let end = min(records.count, start + pageSizeHint)
        return SourcePage(records: Array(records[start..<end]), nextCursor: end < records.count ? String(end) : nil,
                          checkpoint: incremental ? "cp-\(end)" : nil, incremental: incremental)
    }
}

/// The profile the engine tests map ``workshopUsers(_:titlePrefix:)`` to.
public func workshopMapping(_ r: SourceRecord) -> [(String, String)] {
    var p: [(String, String)] = []
    if let e = r.firstValue("email") { p.append(("userName", e)); p.append(("email", e)) }
    if let f = r.firstValue("first_name") { p.append(("firstName", f)) }
    if let l = r.firstValue("last_name") { p.append(("lastName", l)) }
    if let t = r.firstValue("title") { p.append(("title", t)) }
    return p
}

/// Workshop-style users: id, email, first/last name, title, active.
public func workshopUsers(_ count: Int, titlePrefix: String = "Engineer") -> [SourceRecord] {
    (1...count).map { i in
        SourceRecord(externalId: String(format: "emp-%05d", i), status: .active, attributes: [
            SourceAttribute("email", "user\(i)@example.com"), SourceAttribute("first_name", "First\(i)"),
            SourceAttribute("last_name", "Last\(i)"), SourceAttribute("title", "\(titlePrefix) \(i % 7)"),
        ])
    }
}

/// The failure ``ArraySource`` raises when told to fail after some pages.
public struct FakeSourceError: Error, CustomStringConvertible {
    public var row: Int
    public var description: String { "source unavailable at row \(row)" }
}
