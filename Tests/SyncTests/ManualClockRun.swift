import Foundation
import Host
import SyncTestSupport

/// Runs the sync engine in-process: `count` users (`u<i>`, mapped to userName = email) into the fixture's
/// `acme` source through `client`, with a 300 s cool-down that passes on the emulator's manual clock only.
enum ManualClockRun {
    static func run(_ f: EmulatorSyncFixture, client: OktaClient, users count: Int, source: String) async -> RunReport {
        let records = (1...count).map { i in
            SourceRecord(externalId: "u\(i)", attributes: [SourceAttribute("email", "u\(i)@example.com")])
        }
        var options = SyncEngine.Options()
        options.session.cooldownSeconds = 300
        var engine = SyncEngine(options: options)
        engine.sleep = { seconds in
            f.advanceClock(seconds)
            try? await Task.sleep(for: .milliseconds(2))
        }
        let job = SyncEngine.Job(
            tenant: "acme", source: source, stateDirectory: f.stateDir, pageSize: 1000,
            rules: Planner.Rules(filter: nil, map: { r in
                let e = r.firstValue("email") ?? ""
                return [("userName", e), ("email", e)]
            }),
            safeguards: SafeguardCheck(maxDeactivationPercent: 20, maxDeactivations: nil, approvedDeactivations: nil),
            openSource: { ArraySource(records: records) },
            target: OktaImportTarget(client: client, identitySourceId: EmulatorFixture.sourceId))
        return await engine.run(job).report
    }
}
