import Emulator
import Foundation
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// Plugins that misbehave during `xaas sync` (issue #14): a tenant has a good CSV source and a C connector
/// that, after one good page, segfaults, aborts, exits, hangs, hands back a malformed page (bad pointers,
/// counts, non-UTF-8, a wrong `struct_size`) or leaks memory. Each time only the bad source's run fails,
/// with an error naming what happened, within a bounded time (`pageTimeoutSeconds`, `memoryLimitMB`); the
/// good source's run succeeds; nobody is deactivated; and the next good read converges.
@Suite("Misbehaving plugins during a sync", .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: TestSupport.xaasExecutable.path),
                "the xaas executable is not built (run swift build first)"),
       .enabled(if: CPlugin.compiler != nil, "needs a C compiler (cc) to build the test plugins"))
struct MisbehavingPluginSyncTests {
    typealias Mode = MisbehavingPlugin.Mode

    final class Fixture: EmulatorSyncFixture, @unchecked Sendable {
        static let token = "misbehaving-sync-token"
        static let goodId = "0oagood0000000000001", badId = "0oabad00000000000002"
        var csvRows = 20
        var libs: URL { root.appendingPathComponent("libs") }

        init() throws {
            try super.init(orgs: [EmulatorSyncFixture.org(token: Self.token, identitySources: [Self.goodId, Self.badId],
                                                          cooldownSeconds: 0)],
                           directoryPrefix: "misbehaving-sync")
            try FileManager.default.createDirectory(at: libs, withIntermediateDirectories: true)
            try writeOrg(token: Self.token, cooldownSeconds: 0)
            try write("acme/good.json", """
                {"identitySourceId": "\(Self.goodId)", "connector": "csv", "settings": {"path": "users.csv", "externalId": "id"},
                 "mapping": \(Self.mapping)}
                """)
            try writeCSV()
        }

        static let mapping = #"{"userName": "${email}", "email": "${email}", "firstName": "${first}", "lastName": "${last}"}"#

        func writeCSV() throws {
            try write("acme/users.csv", "id,first,last,email\n"
                      + (1...csvRows).map { "emp-\($0),Ann\($0),Lee\($0),emp\($0)@example.com" }.joined(separator: "\n") + "\n")
        }

        /// Points the bad source at the plugin for `mode` (misbehaving on its second page). The page timeout is
        /// 2 s for the hang and 30 s otherwise: a crash's backtrace on a loaded machine can outlast 2 s while
        /// the call is still being timed.
        func useBadPlugin(_ mode: Mode) throws {
            let library = try MisbehavingPlugin.build(mode, atPage: mode == .good ? 0 : 1, in: libs)
            try write("acme/bad.json", """
                {"identitySourceId": "\(Self.badId)", "connector": "\(library.path)", "settings": {},
                 "mapping": \(Self.mapping), "pageSize": 5, "pageTimeoutSeconds": \(mode == .hang ? 2 : 30), "memoryLimitMB": 256}
                """)
        }
    }

    /// What the failed run's error must say, per misbehaviour.
    static let expected: [(Mode, String)] = [
        (.segv, "SIGSEGV"), (.abort, "SIGABRT"), (.exit3, "exited with status 3"),
        (.hang, "read_page did not return within 2 s"),
        (.hugeLength, "value length 1099511627776 is more than"), (.zeroStructSize, "page.struct_size is 0"),
        (.repeatCursor, "again after 3 pages of this read"),
        (.badRecordsPointer, "SIGSEGV"), (.badStringPointer, "SIGSEGV"),
        (.countPastRecords, "record 5: struct_size 0 is outside"), (.hugeCount, "record_count 1099511627776 is more than"),
        (.nonUTF8, "attribute email: value is not valid UTF-8"), (.wrongRecordSize, "record 0: struct_size 7 is outside"),
        (.leak, "more than the source's memoryLimitMB (256)"), (.strayChild, "SIGSEGV"),
    ]

    @Test func onlyTheMisbehavingSourceFailsAndNobodyIsDeactivated() throws {
        #expect(Set(Self.expected.map(\.0)) == Set(Mode.allCases).subtracting([.good]), "every misbehaviour is tried")
        let f = try Fixture()
        try f.useBadPlugin(.good)
        let baseline = try f.syncAll()
        try #require(baseline.status == 0, "baseline: \(baseline.stderr)")
        let badUsers = Set((1...MisbehavingPlugin.userCount).map { "m-\($0)" })
        try #require(try f.activeUsers("acme") == badUsers.union((1...20).map { "emp-\($0)" }))

        for (mode, expected) in Self.expected {
            try f.useBadPlugin(mode)
            f.csvRows += 1
            try f.writeCSV()
            let started = Date()
            let (status, runs, stderr) = try f.syncAll()
            let seconds = Date().timeIntervalSince(started)
            #expect(status == 1, "\(mode): exit \(status) \(stderr.suffix(1000))")
            let good = runs.run("acme", "good"), bad = runs.run("acme", "bad")
            #expect(good?["status"]?.stringValue == "ok" && good?.int("created") == 1,
                    "\(mode): the good source: \(good?.serialized ?? "missing") \(stderr.suffix(1000))")
            #expect(bad?["status"]?.stringValue == "failed", "\(mode): \(bad?.serialized ?? "missing")")
            let error = bad?["error"]?.stringValue ?? ""
            #expect(error.contains(expected), "\(mode): the error should say \(expected): \(error)")
            #expect(bad?.int("deactivated") ?? 0 <= 0, "\(mode): \(bad?.serialized ?? "")")
            #expect(seconds < 60, "\(mode): the run took \(Int(seconds)) s")
            let users = try f.users()
            #expect(users.values.allSatisfy { $0.status == "ACTIVE" },
                    "\(mode): deactivated: \(users.filter { $0.value.status != "ACTIVE" }.keys.sorted())")
            #expect(badUsers.isSubset(of: Set(users.keys)), "\(mode): the bad source's users are all still there")
            #expect(users.count == badUsers.count + f.csvRows, "\(mode): \(users.count) users")
        }

        // The connector fixed: the next run reads everything and has nothing to change for the bad source.
        try f.useBadPlugin(.good)
        let fixed = try f.syncAll()
        #expect(fixed.status == 0, "\(fixed.stderr.suffix(1000))")
        #expect(fixed.runs.run("acme", "bad")?["status"]?.stringValue == "ok")
        #expect(try f.activeUsers("acme").count == badUsers.count + f.csvRows)
    }
}
