import EmbeddedEmulator
import Foundation
import TestSupport
import Testing
@testable import Host

/// CI smoke run of `xaas bench okta-time` at 10,000 users (the real CSV connector, engine, client and rate
/// limiter against the in-process emulator on the virtual clock), asserting counts only — never wall times.
@Suite struct BenchSmokeTests {
    init() { EmbeddedEmulator.install() }

    static func settings() -> BenchEnvironment.Settings {
        var settings = BenchEnvironment.Settings()
        settings.users = 10_000
        settings.changeRate = 0.01
        settings.pluginPaths = [TestSupport.binDirectory.path]
        return settings
    }

    @Test func oktaTimeAtTenThousandUsersMeetsTheFloor() async throws {
        var runner = BenchRunner(settings: Self.settings())
        runner.strategy = .workflows
        let results = try await runner.run(.oktaTime)
        func okta(_ phase: String, _ way: String) throws -> BenchMeasurement.Okta {
            try #require(results.first { $0.phase == phase && $0.strategy == way }?.okta, "no \(way) \(phase) row")
        }
        // 10,000 rows, every 50th inactive: 9,800 active users; 1% changed: the 100 users i ≡ 0 (mod 100).
        let initial = try okta("initial", "xaas")
        #expect(initial.created == 9_800)
        #expect(initial.bulkRequests == 49 && initial.requestFloor == 49)
        #expect(initial.sessions == 1 && initial.packing == 1.0)
        #expect(abs(initial.oktaSeconds - initial.oktaFloorSeconds) <= 1, "Okta time \(initial.oktaSeconds) s, floor \(initial.oktaFloorSeconds) s")

        // The in-process emulator's CPU is measured apart: it served the delta's requests, and is part of the run's CPU.
        let deltaRun = try #require(results.first { $0.phase == "delta" && $0.strategy == "xaas" })
        let emulatorCPU = try #require(deltaRun.emulatorCPUSeconds)
        #expect(emulatorCPU > 0 && emulatorCPU < deltaRun.cpuSeconds, "emulator \(emulatorCPU) s of \(deltaRun.cpuSeconds) s")

        let nochange = try okta("nochange", "xaas")
        #expect(nochange.unchanged == 9_800 && nochange.bulkRequests == 0 && nochange.sessions == 0)

        let delta = try okta("delta", "xaas")
        #expect(delta.updated == 100 && delta.created == 0 && delta.deactivated == 0)
        #expect(delta.bulkRequests == delta.requestFloor && delta.bulkRequests == 1)
        #expect(delta.sessions == 1 && delta.packing == 1.0)
        #expect(abs(delta.oktaSeconds - delta.oktaFloorSeconds) <= 1, "Okta time \(delta.oktaSeconds) s, floor \(delta.oktaFloorSeconds) s")

        // The Workflows way re-sends every active user and deletes every inactive one, each flow in its session.
        let workflows = try okta("delta", "workflows")
        #expect(workflows.created == 9_800 && workflows.deactivated == 200)
        #expect(workflows.bulkRequests == 50 && workflows.sessions == 2)
        #expect(workflows.oktaSeconds >= 50 * delta.oktaSeconds, "Workflows \(workflows.oktaSeconds) s vs xaas \(delta.oktaSeconds) s")
        #expect(results.allSatisfy { ($0.okta?.rateLimited ?? 0) == 0 }, "a run was answered 429")
    }

    /// `--groups`: the generated CSV's groups column is synced; the group and membership requests are
    /// counted apart and compared with their floors (requests ≥ floor, packing = floor ÷ requests, 1.0 here).
    @Test func groupsAreSyncedAndPackedToTheFloor() async throws {
        var settings = Self.settings()
        settings.users = 2_000
        settings.groups = 10
        let results = try await BenchRunner(settings: settings).run(.initial)
        let m = try #require(results.first { $0.phase == "initial" && $0.strategy == "xaas" })
        let o = try #require(m.okta)
        let g = o.groups
        #expect(g.created == 10 && g.updated == 0 && g.deleted == 0)
        // 1,960 active users, each in two of the 10 groups (i mod 10 ≠ (7i + 3) mod 10 always); the inactive
        // users' memberships are not sent.
        #expect(g.membershipsAdded == 3_920, "\(g.membershipsAdded) memberships")
        #expect(g.groupRequests >= g.groupRequestFloor && g.groupRequestFloor == 1)
        #expect(g.membershipRequests >= g.membershipRequestFloor && g.membershipRequestFloor >= 1)
        #expect(g.groupPacking == Double(g.groupRequestFloor) / Double(g.groupRequests))
        #expect(g.membershipPacking == Double(g.membershipRequestFloor) / Double(g.membershipRequests))
        #expect(g.groupPacking == 1.0 && g.membershipPacking == 1.0, "groups \(g.groupRequests), memberships \(g.membershipRequests)")
        // The users' 10 requests plus the group ones make the whole, and the floor is the sum of the floors.
        #expect(o.bulkRequests == 10 + g.groupRequests + g.membershipRequests)
        #expect(o.requestFloor == 10 + g.groupRequestFloor + g.membershipRequestFloor)
        #expect(o.packing == Double(o.requestFloor) / Double(o.bulkRequests))
        let table = BenchOutput(scenario: .initial, settings: settings, results: results).table()
        #expect(table.contains("initial: groups 10 created"), "\(table)")
        #expect(table.contains("CPU per user"), "\(table)")
    }

    /// The membership floor: one request per 200 groups at least, and the body bytes over the room of one request.
    @Test func membershipFloorCountsEntriesAndBytes() {
        #expect(BenchFloor.membershipRequests(pairs: 0, groups: 0, groupIdBytes: 6, memberIdBytes: 8) == 0)
        #expect(BenchFloor.membershipRequests(pairs: 400, groups: 400, groupIdBytes: 6, memberIdBytes: 8) == 2)
        // 100,000 pairs of 8-byte ids in 10 groups: 11 bytes a member ≈ 1.1 MB → 6 requests of 200 KB.
        #expect(BenchFloor.membershipRequests(pairs: 100_000, groups: 10, groupIdBytes: 6, memberIdBytes: 8) == 6)
        #expect(BenchFloor.groupRequests(upserted: 201, deleted: 1) == 3)
    }

    /// `--connector` limits `read` to one connector; anything else is a usage error.
    @Test func readConnectorOption() throws {
        let (scenario, runner, _) = try BenchCommand.parse(["read", "--connector", "csv", "--users", "10"])
        #expect(scenario == .read && runner.settings.readConnectors == ["csv"])
        #expect(try BenchCommand.parse(["read"]).1.settings.readConnectors == ["csv", "ldif"])
        #expect(throws: UsageError.self) { try BenchCommand.parse(["read", "--connector", "xml"]) }
        #expect(throws: UsageError.self) { try BenchCommand.parse(["nochange", "--connector", "csv"]) }
    }
}
