import Foundation

/// A `xaas bench` scenario.
enum BenchScenario: String, CaseIterable, Sendable {
    case read, initial, nochange, delta
    case oktaTime = "okta-time"
}

/// Whose way of syncing is measured: xaas alone, or xaas and the Okta Workflows templates side by side.
enum BenchStrategy: String, Sendable {
    case xaas, workflows
}

/// Runs one scenario and returns its measured phases.
///
/// Every sync scenario runs the real pipeline (the CSV connector `.so` through the plugin loader, the sync
/// engine, the Okta client and the org's rate limiter) against the in-process emulator under Okta's
/// limits, on the virtual clock; runs that are only setup (the initial load before `nochange`/`delta`)
/// are not reported. Each run starts an hour of virtual time after the previous one (a scheduled run:
/// earlier cool-downs and rate windows are over).
struct BenchRunner {
    var settings: BenchEnvironment.Settings
    var strategy = BenchStrategy.xaas
    var progress: (String) -> Void = { _ in }

    static let gapBetweenRuns = 3600.0

    private struct Phase {
        var name: String
        var measured: Bool
        var changed: Bool
    }

    func run(_ scenario: BenchScenario) async throws -> [BenchMeasurement] {
        if scenario == .read { return try await BenchRead(settings: settings, progress: progress).run() }
        let phases: [Phase] = switch scenario {
        case .initial: [Phase(name: "initial", measured: true, changed: false)]
        case .nochange: [Phase(name: "initial", measured: false, changed: false),
                         Phase(name: "nochange", measured: true, changed: false)]
        case .delta: [Phase(name: "initial", measured: false, changed: false),
                      Phase(name: "delta", measured: true, changed: true)]
        case .oktaTime, .read: [Phase(name: "initial", measured: true, changed: false),
                                Phase(name: "nochange", measured: true, changed: false),
                                Phase(name: "delta", measured: true, changed: true)]
        }
        let environment = try BenchEnvironment(settings: settings)
        defer { environment.stop() }
        progress("generating \(settings.users) users")
        try BenchData.writeCSV(to: environment.csvURL, users: settings.users, groups: settings.groups)
        var results: [BenchMeasurement] = []
        for phase in phases {
            if phase.changed {
                progress("changing \(settings.changeRate * 100)% of the users")
                try BenchData.writeCSV(to: environment.csvURL, users: settings.users, changeRate: settings.changeRate,
                                       groups: settings.groups)
            }
            environment.clock.advance(by: Self.gapBetweenRuns)
            progress("\(phase.name): xaas\(phase.measured ? "" : " (setup, not reported)")")
            let xaas = try await measureXaas(environment, phase: phase.name)
            if phase.measured { results.append(xaas) }
            if phase.measured, phase.name == "nochange" || phase.name == "delta" {
                // #15: the whole re-sync (no change, or 1% changed and its requests) against Python merely
                // reading the same file.
                progress("\(phase.name): \(BenchPeer.name("csv")) reading the same file")
                results.append(Self.peer(file: environment.csvURL, phase: phase.name))
            }
            if phase.measured, strategy == .workflows {
                environment.clock.advance(by: Self.gapBetweenRuns)
                progress("\(phase.name): the Workflows way")
                results.append(try await measureWorkflows(environment, phase: phase.name))
            }
        }
        return results
    }

    private func measureXaas(_ environment: BenchEnvironment, phase: String) async throws -> BenchMeasurement {
        var m = BenchMeasurement(strategy: BenchStrategy.xaas.rawValue, phase: phase, records: settings.users)
        let report = try await measure(environment, into: &m) { try await environment.syncWithXaas() }
        guard report.status == .ok else {
            throw BenchError("the xaas run (\(phase)) ended \(report.status.rawValue): \(report.error ?? "no detail")")
        }
        m.okta!.created = report.created
        m.okta!.updated = report.updated
        m.okta!.deactivated = report.deactivated
        m.okta!.unchanged = report.unchanged
        m.okta!.groups = groupFigures(report, sent: m.okta!.groups)
        m.okta!.requestFloor = BenchMeasurement.Okta.requests(report.created + report.updated)
            + BenchMeasurement.Okta.requests(report.deactivated)
            + m.okta!.groups.groupRequestFloor + m.okta!.groups.membershipRequestFloor
        m.okta!.sessionFloor = BenchMeasurement.Okta.sessions(m.okta!.requestFloor)
        finishFloor(&m)
        return m
    }

    /// Python's `csv.DictReader` reading `file` (a row saying it is missing when Python is not there).
    static func peer(file: URL, phase: String) -> BenchMeasurement {
        var peer = BenchMeasurement(strategy: BenchPeer.name("csv"), phase: phase)
        if let figures = BenchPeer.measure("csv", file: file) {
            (peer.records, peer.wallSeconds, peer.cpuSeconds) = figures
        } else {
            peer.peerMissing = true
        }
        return peer
    }

    /// The groups and memberships of `report`, with the requests `sent` and their floors (group and
    /// user externalIds as ``BenchData`` writes them).
    private func groupFigures(_ report: RunReport, sent: GroupFigures) -> GroupFigures {
        var g = sent
        (g.created, g.updated, g.deleted) = (report.groups.created, report.groups.updated, report.groups.deleted)
        (g.membershipsAdded, g.membershipsRemoved) = (report.memberships.added, report.memberships.removed)
        g.groupRequestFloor = BenchFloor.groupRequests(upserted: g.created + g.updated, deleted: g.deleted)
        let groupIdBytes = BenchData.groupName(0).utf8.count, memberIdBytes = BenchData.userId(0).utf8.count
        let groups = settings.groups
        g.membershipRequestFloor = [g.membershipsAdded, g.membershipsRemoved].reduce(0) { floor, pairs in
            floor + BenchFloor.membershipRequests(pairs: pairs, groups: min(groups, pairs), groupIdBytes: groupIdBytes,
                                                  memberIdBytes: memberIdBytes)
        }
        return g
    }

    private func measureWorkflows(_ environment: BenchEnvironment, phase: String) async throws -> BenchMeasurement {
        var m = BenchMeasurement(strategy: BenchStrategy.workflows.rawValue, phase: phase, records: settings.users * 2)
        let outcome = try await measure(environment, into: &m) { try await WorkflowsStrategy(environment: environment).run() }
        m.okta!.created = outcome.upserted
        m.okta!.deactivated = outcome.deleted
        let upserts = BenchMeasurement.Okta.requests(outcome.upserted), deletes = BenchMeasurement.Okta.requests(outcome.deleted)
        m.okta!.requestFloor = upserts + deletes
        m.okta!.sessionFloor = BenchMeasurement.Okta.sessions(upserts) + BenchMeasurement.Okta.sessions(deletes)
        finishFloor(&m)
        return m
    }

    private func finishFloor(_ m: inout BenchMeasurement) {
        m.okta!.oktaFloorSeconds = BenchMeasurement.Okta.floorSeconds(
            requests: m.okta!.requestFloor, sessions: m.okta!.sessionFloor, budgetPerMinute: settings.budget)
    }

    /// Runs `body`, filling wall, CPU, peak RSS, what went over the wire and the virtual time it took.
    private func measure<T>(_ environment: BenchEnvironment, into m: inout BenchMeasurement,
                            _ body: () async throws -> T) async throws -> T {
        _ = environment.transport.reset()
        ResourceUsage.resetPeak()
        m.startRSSBytes = ResourceUsage.peakRSSBytes()  // the mark starts at the current RSS
        let cpu = ResourceUsage.now().cpuSeconds, wall = Date(), virtual = environment.clock.now()
        let emulatorCPU = environment.emulator.cpuSeconds
        let result = try await body()
        m.wallSeconds = Date().timeIntervalSince(wall)
        m.cpuSeconds = ResourceUsage.now().cpuSeconds - cpu
        m.emulatorCPUSeconds = environment.emulator.cpuSeconds - emulatorCPU
        m.peakRSSBytes = ResourceUsage.peakRSSBytes()
        let sent = environment.transport.reset()
        var okta = BenchMeasurement.Okta()
        okta.oktaSeconds = environment.clock.now() - virtual
        okta.bulkRequests = sent.bulkRequests
        okta.groups.groupRequests = sent.groupRequests
        okta.groups.membershipRequests = sent.membershipRequests
        okta.sessions = sent.sessionsCreated
        okta.bytesSent = sent.bytesSent
        okta.rateLimited = sent.rateLimited
        m.okta = okta
        return result
    }
}
