import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// Regression tests for the defects found when xaas was tried as a new user would (issue #14, items 1–10).
/// Each test fails without its fix; docs/reliability.md ("Defects fixed") maps each defect to its test.
@Suite(.serialized) struct DefectRegressionTests {
    // MARK: 2 — a read error on the first page is a read failure, not an empty source

    @Test func firstPageReadErrorIsAReadFailureNotAnEmptySource() async throws {
        let engine = try SyncEngineTests()
        _ = try await engine.runChecked(workshopUsers(10))
        let r = await engine.run([], source: ArraySource(records: workshopUsers(10), failAfterPages: 0))
        #expect(r.status == .failed, "\(r.error ?? "")")
        #expect(has(r.error, "read failed: source unavailable at row 0"))
        #expect(!has(r.error, "approve"), "a read failure never advises approval: \(r.error ?? "")")
        #expect(r.deactivated == 0)
        #expect(engine.okta.users.values.allSatisfy { $0.active })
    }

    @Test func missingCSVFileFailsWithTheRealErrorAndExit1() throws {
        let f = try EmulatorFixture()
        try f.writeUsers(WorkshopRow.make(10))
        var (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        try FileManager.default.removeItem(at: f.csv)
        (status, run, stderr) = try f.sync()
        #expect(status == 1, "\(run?.serialized ?? "") \(stderr)")
        #expect(run?["status"]?.stringValue == "failed")
        let error = run?["error"]?.stringValue ?? ""
        #expect(error.contains("read failed") && error.contains("users.csv"), "\(error)")
        #expect(!error.contains("approve"), "\(error)")
        // The dry run says the same instead of showing an empty plan.
        let dry = try TestSupport.xaas(["sync", "--config", f.configDir.path, "--state", f.stateDir.path, "--dry-run", "--diff"])
        #expect(dry.status == 1)
        #expect(dry.stderr.contains("read failed"), "\(dry.stderr)")
        #expect(try f.activeUsers("acme").count == 10)
    }

    @Test func badCSVFilesAreReadFailures() throws {
        let f = try EmulatorFixture()
        try f.writeUsers(WorkshopRow.make(10))
        #expect(try f.sync().status == 0)
        for broken in ["name;mail\nann;ann@example.com\n", "\u{FEFF}id,active\n\0\n", "id,active,\"title\n"] {
            try broken.write(to: f.csv, atomically: true, encoding: .utf8)
            let (status, run, stderr) = try f.sync()
            #expect(status == 1, "\(broken.debugDescription): \(run?.serialized ?? "") \(stderr)")
            let error = run?["error"]?.stringValue ?? ""
            #expect(!error.contains("approve"), "\(error)")
        }
        #expect(try f.activeUsers("acme").count == 10)
    }
}

extension SyncEngineTests {
    /// `run` that requires the run to end `ok`.
    func runChecked(_ records: [SourceRecord]) async throws -> RunReport {
        let r = await run(records)
        try #require(r.status == .ok, "\(r.error ?? "")")
        return r
    }
}

// MARK: 3 — onBadRow "skip" never deactivates the users of skipped rows

extension DefectRegressionTests {
    @Test func skippedRowsAreNeverDeactivatedAsAbsent() throws {
        let f = try EmulatorFixture()
        try f.write("acme/hr.json", """
            {"identitySourceId": "\(EmulatorFixture.sourceId)", "connector": "csv",
             "settings": {"path": "users.csv", "externalId": "id", "onBadRow": "skip",
                          "status": {"attribute": "active", "activeValues": ["true"]}},
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first_name}", "lastName": "${last_name}"}}
            """)
        let rows = WorkshopRow.make(10)
        try f.writeUsers(rows)
        #expect(try f.sync().status == 0)
        // Row 3 now has an extra field (a bad row): skipped; its user must stay active.
        var text = "id,active,title,first_name,last_name,email\n"
        for (i, r) in rows.enumerated() {
            text += "\(r.id),\(r.active),\(r.title),\(r.first),\(r.last),\(r.email)\(i == 2 ? ",extra" : "")\n"
        }
        try text.write(to: f.csv, atomically: true, encoding: .utf8)
        let (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?.int("skipped") == 1 && run?.int("deactivated") == 0, "\(run?.serialized ?? "")")
        #expect(try f.activeUsers("acme").contains(rows[2].id))
        let notes = run?["notes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(notes.contains { $0.contains("no user was deactivated for being absent") }, "\(notes)")
    }
}

// MARK: 8 — `xaas status` on a corrupted state database

extension DefectRegressionTests {
    @Test func statusOnACorruptedStateDatabaseExits1NamingIt() throws {
        let f = try EmulatorFixture()
        try f.writeUsers(WorkshopRow.make(3))
        #expect(try f.sync().status == 0)
        let db = f.stateDir.appendingPathComponent("state.sqlite")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db.path + suffix) }
        try Data(repeating: 0x5A, count: 8192).write(to: db)
        for json in [false, true] {
            let result = try TestSupport.xaas(["status", "--config", f.configDir.path, "--state", f.stateDir.path]
                                              + (json ? ["--json"] : []))
            #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("cannot read the state database"), "\(result.stderr)")
            #expect(result.stderr.contains("not a database"), "\(result.stderr)")
        }
    }
}

// MARK: 7 — one malformed JSON file skips only its source or tenant

extension DefectRegressionTests {
    @Test func oneMalformedFileSkipsOnlyItsSourceAndTenant() throws {
        let f = try EmulatorFixture()
        try f.writeUsers(WorkshopRow.make(3))
        try f.write("acme/broken.json", #"{"identitySourceId": "0oabroken", "connector": "csv", "settings": {"path": "#)
        try f.write("beta/org.json", #"{"url": "http://127.0.0.1:1", "token": "#)
        try f.write("beta/hr.json", "{}")
        let (status, runs, stderr) = try f.syncAll()
        #expect(status == 1, "a configuration problem still fails the command")
        #expect(stderr.contains("broken.json") && stderr.contains("beta/org.json"), "\(stderr)")
        #expect(stderr.contains("were skipped"), "\(stderr)")
        #expect(runs.run("acme", "hr")?.int("created") == 3, "\(runs)")
        #expect(runs.count == 1)
        #expect(try f.activeUsers("acme").count == 3)
    }
}

// MARK: 9 — one identity source in two tenant folders

extension DefectRegressionTests {
    @Test func sameOrgAndIdentitySourceInTwoTenantsIsFlagged() throws {
        let f = try EmulatorFixture()
        try f.writeUsers(WorkshopRow.make(3))
        // `beta` points at the same org (written with a different spelling of the host) and identity source.
        try f.write("beta/org.json", """
            {"url": "http://LOCALHOST:\(f.port)", "token": {"value": "\(EmulatorFixture.token)"}}
            """.replacingOccurrences(of: "LOCALHOST", with: "127.0.0.1"))
        try f.write("beta/users.csv", "id,active,title,first_name,last_name,email\n")
        try f.write("beta/people.json", """
            {"identitySourceId": "\(EmulatorFixture.sourceId)", "connector": "csv",
             "settings": {"path": "users.csv", "externalId": "id"}, "mapping": {"userName": "${email}", "email": "${email}"}}
            """)
        let check = try TestSupport.xaas(["config", "check", "--config", f.configDir.path])
        #expect(check.status == 1, "\(check.stdout) \(check.stderr)")
        let text = check.stdout + check.stderr
        #expect(text.contains("beta/people.json") && text.contains("already synced by tenant acme"), "\(text)")
        // The sync runs acme's source only.
        let (status, runs, stderr) = try f.syncAll()
        #expect(status == 1)
        #expect(runs.count == 1 && runs.run("acme", "hr")?.int("created") == 3, "\(runs) \(stderr)")
    }
}

// MARK: 4 — mapping typos do not silently change every user

extension DefectRegressionTests {
    func writeSource(_ f: EmulatorFixture, mapping: String, safeguards: String = "{}") throws {
        try f.write("acme/hr.json", """
            {"identitySourceId": "\(EmulatorFixture.sourceId)", "connector": "csv",
             "settings": {"path": "users.csv", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]}},
             "mapping": {\(mapping)}, "safeguards": \(safeguards)}
            """)
    }

    static let goodMapping = #""userName": "${email}", "email": "${email}", "firstName": "${first_name}", "lastName": "${last_name}", "title": "${title}""#

    @Test func aTypoThatClearsAnAttributeFromEveryoneIsBlocked() throws {
        let f = try EmulatorFixture()
        try f.writeUsers(WorkshopRow.make(20))
        try writeSource(f, mapping: Self.goodMapping)
        #expect(try f.sync().status == 0)
        let typo = Self.goodMapping.replacingOccurrences(of: "${title}", with: "${titel}")
        try writeSource(f, mapping: typo)
        let check = try TestSupport.xaas(["config", "check", "--connect", "--config", f.configDir.path])
        #expect(check.stdout.contains("warning:") && check.stdout.contains("\"titel\" is in none"), "\(check.stdout)")
        let before = try f.stat("bulkRequests")
        var (status, run, stderr) = try f.sync()
        #expect(status == 3, "\(run?.serialized ?? "") \(stderr)")
        #expect(run?["status"]?.stringValue == "blocked")
        let error = run?["error"]?.stringValue ?? ""
        #expect(error.contains("20 of 20 active users would lose profile attributes: title (20)"), "\(error)")
        #expect(error.contains("maxClearingUpdatePercent"))
        let notes = run?["notes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(notes.contains { $0.contains("mapped attribute \"titel\" is in none of the 20 records") }, "\(notes)")
        #expect(try f.stat("bulkRequests") == before, "a blocked run sends nothing")
        #expect(try f.users()["emp-10001"]?.profile["title"] == "Engineer 1")
        // Configurable: turning the safeguard off lets the intended change through.
        try writeSource(f, mapping: typo, safeguards: #"{"maxClearingUpdatePercent": null}"#)
        (status, run, stderr) = try f.sync()
        #expect(status == 0 && run?.int("updated") == 20, "\(run?.serialized ?? "") \(stderr)")
        #expect(try f.users()["emp-10001"]?.profile["title"] == nil)
    }

    @Test func aRunWithMostRecordsInvalidIsBlockedNotOk() throws {
        let f = try EmulatorFixture()
        try f.writeUsers(WorkshopRow.make(20))
        try writeSource(f, mapping: #""userName": "${email}", "email": "${mail}", "firstName": "${first_name}", "lastName": "${last_name}""#)
        var (status, run, stderr) = try f.sync()
        #expect(status == 3, "\(run?.serialized ?? "") \(stderr)")
        #expect(run?["status"]?.stringValue == "blocked")
        let error = run?["error"]?.stringValue ?? ""
        #expect(error.contains("20 of 20 records are invalid"), "\(error)")
        let notes = run?["notes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(notes.contains { $0.contains("\"mail\" is in none") }, "\(notes)")
        #expect(try f.users().isEmpty)
        try writeSource(f, mapping: #""userName": "${email}", "email": "${mail}""#, safeguards: #"{"maxInvalidPercent": 100}"#)
        (status, run, stderr) = try f.sync()
        #expect(status == 0 && run?.int("invalid") == 20, "\(run?.serialized ?? "") \(stderr)")
    }
}

// MARK: 5 — every run is time-bounded

/// Pages that always name the same next cursor (a connector bug that would loop forever).
struct RepeatingCursorSource: RecordSource {
    func readPage(cursor: String?, checkpoint: String?, pageSizeHint: Int) throws -> SourcePage {
        SourcePage(records: workshopUsers(3), nextCursor: "page-2")
    }
}

/// Rate-limited once with the longest `retry_after_ms` the ABI can carry (~49.7 days), then one page.
final class RateLimitedOnceSource: RecordSource, @unchecked Sendable {
    var calls = 0
    func readPage(cursor: String?, checkpoint: String?, pageSizeHint: Int) throws -> SourcePage {
        calls += 1
        if calls == 1 { throw PluginError(.rateLimited, "slow down", retryAfterMilliseconds: UInt32.max) }
        return SourcePage(records: workshopUsers(2), nextCursor: nil)
    }
}

final class SleepBox: @unchecked Sendable { var values: [Double] = [] }

extension DefectRegressionTests {
    @Test func aRepeatedCursorEndsTheReadAsAFailure() async throws {
        let engine = try SyncEngineTests()
        _ = try await engine.runChecked(workshopUsers(10))
        let looped = await engine.run([], source: RepeatingCursorSource())
        #expect(looped.status == .failed, "\(looped.error ?? "")")
        #expect(has(looped.error, "returned the cursor \"page-2\" again"), "\(looped.error ?? "")")
        #expect(looped.deactivated == 0)
        #expect(engine.okta.users.values.allSatisfy { $0.active })
    }

    @Test func aHugeRetryAfterIsCapped() throws {
        let dir = try TestSupport.makeTemporaryDirectory("retry-cap")
        let store = try StateStore(directory: dir, tenant: "t", source: "s")
        let runId = try store.beginRun(dryRun: true)
        var planner = Planner(store: store, runId: runId, source: RateLimitedOnceSource(),
                              rules: Planner.Rules(filter: nil, map: SyncEngineTests.mapping), pageSize: 10, checkpoint: nil)
        let slept = SleepBox()
        planner.sleep = { slept.values.append($0) }
        let summary = try planner.plan()
        #expect(summary.readError == nil && summary.creates == 2)
        #expect(slept.values == [300], "the wait is capped at maxRetryDelaySeconds, not 49 days")
    }

    @Test func aSourceWithoutTimeoutSecondsGetsTheDefaultTimeout() throws {
        let f = try EmulatorFixture()
        let (config, problems) = ConfigDirectory.load(f.configDir)
        #expect(problems.isEmpty)
        #expect(config.sources.first?.timeoutSeconds == SourceConfig.defaultTimeoutSeconds)
        #expect(SourceConfig.defaultTimeoutSeconds == 43_200)
    }
}
