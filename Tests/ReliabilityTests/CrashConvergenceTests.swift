import Foundation
import Testing
import TestSupport

/// Crash convergence: SIGKILL `xaas sync` (its whole process tree) at failpoints and at random instants —
/// planning, between bulk requests, right after a trigger while the emulator processes, during the state
/// commit — then run again until a run ends on its own, and compare the emulator's directory with the
/// source. Any lost update, wrong deactivation, stuck session or hang fails with the seed.
///
/// `XAAS_CRASH_POINTS` (default 50) sets the number of kills; `XAAS_CRASH_SEED` replays a seed.
@Suite("Crash convergence (seeded SIGKILLs of xaas sync against an xaas emulator process)", .serialized)
struct CrashConvergenceTests {
    static let failpoints = ["plan-page:1", "before-create-session:1", "after-create-session:1", "before-bulk:1",
                             "after-bulk:1", "after-bulk:2", "before-bulk:2", "after-trigger:1", "before-commit:1",
                             "after-commit:1"]

    static var points: Int { ProcessInfo.processInfo.environment["XAAS_CRASH_POINTS"].flatMap(Int.init) ?? 50 }
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["XAAS_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: TestSupport.xaasExecutable.path),
                   "the xaas executable is not built (run swift build first)"))
    func killedSyncsConverge() throws {
        let seed = Self.seed, target = Self.points
        print("crash convergence: seed \(seed) (replay: XAAS_CRASH_SEED=\(seed)), \(target) kill points")
        var random = SeededRandom(seed: seed)
        let h = try ConvergenceHarness(seed: seed, label: "crash")
        var model = SourceModel(count: 150, random: &random)
        try h.write(model)
        let first = try h.sync(.none)
        try #require(first.status == 0, "seed \(seed): initial sync failed: \(first.stderr.suffix(2000))")
        try #require(model.differences(try h.directory()).isEmpty, "seed \(seed): initial sync did not converge")
        model.markSynced()
        var typical = max(first.seconds, 0.5)
        var kills = 0, rounds = 0, failpointKills = 0, timedKills = 0, missedKills = 0
        var byPoint: [String: Int] = [:]

        while kills < target {
            rounds += 1
            let before = model.expectedActive
            model.mutate(&random, size: random.int(5..<40))
            try h.write(model)
            let after = model.expectedActive
            var attempts = 0
            while true {
                attempts += 1
                let kill: ConvergenceHarness.Kill
                if kills < target && attempts <= 6 {
                    kill = random.chance(0.5) ? .failpoint(random.pick(Self.failpoints))
                                              : .after(Double(random.int(0..<1000)) / 1000 * typical * 1.3)
                } else {
                    kill = .none
                }
                let run = try h.sync(kill)
                let context = "seed \(seed), round \(rounds), attempt \(attempts), \(run.kill)"
                if run.killed {
                    kills += 1
                    if case .failpoint(let f) = kill { failpointKills += 1; byPoint[f, default: 0] += 1 } else { timedKills += 1 }
                    let wrong = SourceModel.wronglyDeactivated(try h.directory(), before: before, after: after)
                    try #require(wrong.isEmpty, "\(context): deactivated after a kill: \(wrong.prefix(10))")
                    continue
                }
                if case .none = kill {} else { missedKills += 1 }
                try #require(run.status != nil, "\(context): the run hung (killed after the timeout)")
                try #require(run.status == 0, "\(context): exit \(run.status ?? -1) after kills (stuck?): \(run.stderr.suffix(3000))")
                let problems = model.differences(try h.directory())
                try #require(problems.isEmpty, "\(context): not converged: \(problems.prefix(20))")
                model.markSynced()
                if case .none = kill { typical = max(0.3, (typical + run.seconds) / 2) }
                break
            }
        }
        // Converged and in step with the state: one more run sends nothing.
        let last = try h.sync(.none)
        #expect(last.status == 0, "seed \(seed): \(last.stderr.suffix(2000))")
        #expect(last.stdout.contains("\"bulkRequests\":0") || last.stdout.contains("\"bulkRequests\": 0"),
                "seed \(seed): a converged source sent requests again: \(last.stdout.prefix(2000))")
        h.checkStateDirectoryForSecrets()
        #expect(h.secretHits.isEmpty, "seed \(seed): the token leaked: \(h.secretHits)")
        print("crash convergence: seed \(seed): \(kills) kills survived (\(failpointKills) at failpoints \(byPoint.sorted { $0.key < $1.key }), \(timedKills) at random instants), \(missedKills) kill plans that came too late, \(rounds) rounds, \(h.runs) runs, \(model.rows.count) source rows, 0 lost updates, 0 wrong deactivations")
    }
}
