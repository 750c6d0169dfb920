import Foundation
import XaasJSON

/// The figures of one measured run (one phase of one strategy), and the floors they are compared with.
struct BenchMeasurement: Sendable {
    var strategy: String
    var phase: String
    var records = 0
    var wallSeconds = 0.0
    var cpuSeconds = 0.0
    /// Of ``cpuSeconds``, what the in-process emulator spent serving and processing (sync scenarios).
    var emulatorCPUSeconds: Double?
    var peakRSSBytes = 0
    /// The process's RSS when the run started (the emulator and its directory, in a sync scenario).
    var startRSSBytes = 0
    /// `read`: the peer (Python) is not installed, so there are no figures.
    var peerMissing = false
    /// Okta side (nil for `read`).
    var okta: Okta?

    struct Okta: Sendable {
        var created = 0
        var updated = 0
        var deactivated = 0
        var unchanged = 0
        var bulkRequests = 0
        var sessions = 0
        var bytesSent = 0
        var rateLimited = 0
        /// The fewest bulk requests that can carry the work (entities ÷ 200 per operation, rounded up;
        /// memberships also by bytes, see ``BenchFloor``): users + groups + memberships.
        var requestFloor = 0
        /// With `--groups`: groups and memberships sent, their requests (part of ``bulkRequests``) and floors.
        var groups = GroupFigures()
        /// Virtual seconds from the start of the run to Okta having processed its last session.
        var oktaSeconds = 0.0
        /// `(sessions − 1) × 300 s + requests ÷ budget`, with the floor's requests and their sessions.
        var oktaFloorSeconds = 0.0

        /// The fewest sessions those requests need (50 per session; the Workflows way: per flow).
        var sessionFloor = 0
        /// Floor ÷ requests (1.0 when nothing needed sending and nothing was sent).
        var packing: Double { Self.packing(floor: requestFloor, requests: bulkRequests) }

        /// The floor for `requests` bulk requests at `budgetPerMinute`, in `sessions` sessions.
        static func floorSeconds(requests: Int, sessions: Int, budgetPerMinute: Int) -> Double {
            Double(max(0, sessions - 1)) * BenchEnvironment.cooldownSeconds + Double(requests) * 60 / Double(budgetPerMinute)
        }

        static func requests(_ entities: Int) -> Int { (entities + 199) / 200 }

        /// Floor ÷ requests, 1.0 when nothing needed sending and nothing was sent.
        static func packing(floor: Int, requests: Int) -> Double {
            requests == 0 ? (floor == 0 ? 1 : 0) : Double(floor) / Double(requests)
        }
        static func sessions(_ requests: Int) -> Int { (requests + 49) / 50 }
    }

    var recordsPerSecond: Double { wallSeconds > 0 ? Double(records) / wallSeconds : 0 }

    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("strategy", .string(strategy)), ("records", .number(String(records))),
            ("wallSeconds", Self.number(wallSeconds)), ("cpuSeconds", Self.number(cpuSeconds)),
            ("peakRSSBytes", .number(String(peakRSSBytes))), ("recordsPerSecond", Self.number(recordsPerSecond.rounded())),
        ]
        if peerMissing { members = [("strategy", .string(strategy)), ("missing", .bool(true))] }
        if let o = okta {
            members += [
                ("created", .number(String(o.created))), ("updated", .number(String(o.updated))),
                ("deactivated", .number(String(o.deactivated))), ("unchanged", .number(String(o.unchanged))),
                ("bulkRequests", .number(String(o.bulkRequests))), ("requestFloor", .number(String(o.requestFloor))),
                ("sessions", .number(String(o.sessions))), ("sessionFloor", .number(String(o.sessionFloor))),
                ("bytesSent", .number(String(o.bytesSent))), ("packing", Self.number(o.packing)),
                ("rateLimited429", .number(String(o.rateLimited))),
                ("oktaSeconds", Self.number(o.oktaSeconds)), ("oktaFloorSeconds", Self.number(o.oktaFloorSeconds)),
            ]
            if o.groups.any { members.append(("groups", o.groups.json)) }
            if let e = emulatorCPUSeconds {
                members += [("emulatorCpuSeconds", Self.number(e)), ("xaasCpuSeconds", Self.number(cpuSeconds - e))]
            }
            if records > 0, strategy == BenchStrategy.xaas.rawValue {
                members.append(("cpuMicrosecondsPerUser", Self.number(cpuSeconds * 1e6 / Double(records))))
            }
        }
        return .object(members)
    }

    static func number(_ value: Double) -> JSONValue {
        var text = String(format: "%.3f", value)  // always has a dot
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return .number(text)
    }
}

/// The group side of one run (`--groups`): what was sent and how tightly it was packed.
struct GroupFigures: Sendable {
    var created = 0, updated = 0, deleted = 0
    var membershipsAdded = 0, membershipsRemoved = 0
    var groupRequests = 0, groupRequestFloor = 0
    var membershipRequests = 0, membershipRequestFloor = 0

    /// Whether there is anything to report.
    var any: Bool { created + updated + deleted + membershipsAdded + membershipsRemoved + groupRequests + membershipRequests > 0 }
    var groupPacking: Double { BenchMeasurement.Okta.packing(floor: groupRequestFloor, requests: groupRequests) }
    var membershipPacking: Double { BenchMeasurement.Okta.packing(floor: membershipRequestFloor, requests: membershipRequests) }

    var json: JSONValue {
        func n(_ v: Int) -> JSONValue { .number(String(v)) }
        return .object([
            ("created", n(created)), ("updated", n(updated)), ("deleted", n(deleted)),
            ("membershipsAdded", n(membershipsAdded)), ("membershipsRemoved", n(membershipsRemoved)),
            ("groupRequests", n(groupRequests)), ("groupRequestFloor", n(groupRequestFloor)),
            ("groupPacking", BenchMeasurement.number(groupPacking)),
            ("membershipRequests", n(membershipRequests)), ("membershipRequestFloor", n(membershipRequestFloor)),
            ("membershipPacking", BenchMeasurement.number(membershipPacking)),
        ])
    }
}
