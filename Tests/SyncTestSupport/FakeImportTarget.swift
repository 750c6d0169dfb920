import Foundation
import Host
import Synchronization
import XaasJSON

/// An in-memory stand-in for one identity source in Okta, for engine unit tests: it enforces one open
/// session, ≤ 50 bulk requests per session and ≤ 200 entities per request, applies bulk bodies to a user
/// table when a session is triggered, and records every call. End-to-end tests use the real emulator.
final class FakeImportTarget: ImportTarget, @unchecked Sendable {
    struct State {
        var sessions: [String: ImportSessionStatus] = [:]
        var order: [String] = []
        var bodies: [String: [(BulkOperation, [UInt8])]] = [:]
        var users: [String: (active: Bool, profile: [String: String])] = [:]
        var bulkRequests = 0
        var calls: [String] = []
        var failNextBulk = false
        var endNextSessionWith: ImportSessionStatus?
        /// Per bulk call: the rate-limit task-locals it ran under (source, priority).
        var bulkContexts: [(BulkOperation, String?, RateLimitPriority)] = []
    }

    let identitySourceId = "0oafake"
    let state = Mutex(State())

    func createSession() async throws -> ImportSession {
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

    func listSessions() async throws -> [ImportSession] {
        state.withLock { s in
            s.order.compactMap { id in
                let status = s.sessions[id]!
                guard [.created, .inProgress, .triggered].contains(status) else { return nil }
                return ImportSession(id: id, identitySourceId: identitySourceId, status: status)
            }
        }
    }

    func getSession(_ id: String) async throws -> ImportSession {
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

    func cancelSession(_ id: String) async throws {
        state.withLock { s in
            s.calls.append("cancel \(id)")
            if [.created, .inProgress].contains(s.sessions[id]) { s.sessions[id] = .closed }
        }
    }

    func startImport(_ id: String) async throws -> ImportSession {
        try state.withLock { s in
            s.calls.append("trigger \(id)")
            guard s.sessions[id] == .inProgress else {
                throw OktaError(kind: .api, httpStatus: 400, errorCode: "E0000001", errorSummary: "cannot trigger")
            }
            s.sessions[id] = .triggered
            return ImportSession(id: id, identitySourceId: identitySourceId, status: .triggered)
        }
    }

    func bulk(_ operation: BulkOperation, sessionId: String, body: BulkBody) async throws {
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

    var users: [String: (active: Bool, profile: [String: String])] { state.withLock { $0.users } }
    var bulkRequests: Int { state.withLock { $0.bulkRequests } }
}

/// A record source over an array, paged.
struct ArraySource: RecordSource {
    var records: [SourceRecord]
    var failAfterPages: Int? = nil
    var incremental = false

    func readPage(cursor: String?, checkpoint: String?, pageSizeHint: Int) throws -> SourcePage {
        let start = Int(cursor ?? "0") ?? 0
        if let failAfterPages, start / max(1, pageSizeHint) >= failAfterPages {
            throw SyncError("source unavailable at row \(start)")
        }
        let end = min(records.count, start + pageSizeHint)
        return SourcePage(records: Array(records[start..<end]), nextCursor: end < records.count ? String(end) : nil,
                          checkpoint: incremental ? "cp-\(end)" : nil, incremental: incremental)
    }
}

/// Workshop-style users: id, email, first/last name, title, active.
func workshopUsers(_ count: Int, titlePrefix: String = "Engineer") -> [SourceRecord] {
    (1...count).map { i in
        SourceRecord(externalId: String(format: "emp-%05d", i), status: .active, attributes: [
            SourceAttribute("email", "user\(i)@example.com"), SourceAttribute("first_name", "First\(i)"),
            SourceAttribute("last_name", "Last\(i)"), SourceAttribute("title", "\(titlePrefix) \(i % 7)"),
        ])
    }
}
