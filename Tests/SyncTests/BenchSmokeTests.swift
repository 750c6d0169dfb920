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

    @Test func groupsInSyncScenariosGiveANoteRatherThanFakedFigures() {
        var settings = Self.settings()
        settings.groups = 10
        let output = BenchOutput(scenario: .initial, settings: settings, results: [])
        #expect(output.table().contains("--groups applies to the read scenario only"))
    }
}
