import Emulator
import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// `xaas sync` runs each source in its own worker process: a connector that segfaults, aborts, exits or
/// hangs fails only its own run; every other run finishes normally and the exit code contract holds.
@Suite(.serialized) struct WorkerIsolationTests {
    @Test(.enabled(if: CrashingPlugin.compiler != nil, "no C compiler (cc) installed"))
    func crashingAndHangingConnectorsFailOnlyTheirOwnRun() throws {
        let f = try MultiOrgFixture(extraSourceIds: ["globex": CrashingPlugin.Mode.allCases.map { "0oaglobexcrash\($0.rawValue)" }])
        let libs = f.root.appendingPathComponent("libs")
        try FileManager.default.createDirectory(at: libs, withIntermediateDirectories: true)
        // globex gets four broken sources besides its two healthy ones; they sort before "hr".
        for mode in CrashingPlugin.Mode.allCases {
            let library = try CrashingPlugin.build(mode, in: libs)
            try f.addSource("globex", "a-\(mode.rawValue)", connector: library.path, settings: "{}",
                            sourceId: "0oaglobexcrash\(mode.rawValue)",
                            extra: mode == .hang ? "\"timeoutSeconds\": 3," : "")
        }
        let started = Date()
        let (status, runs, stderr) = try f.syncAll(["--jobs", "2"])
        #expect(status == 1, "a failed run makes the exit code 1: \(stderr)")
        #expect(runs.count == 8, "\(runs)")
        for org in MultiOrgFixture.orgs {
            for source in MultiOrgFixture.sources {
                let run = runs.run(org, source)
                #expect(run?["status"]?.stringValue == "ok", "\(org)/\(source): \(run?.serialized ?? "missing")")
                #expect(run?.int("created") == 30)
            }
            #expect(try f.activeUsers(org).count == 60)
        }
        let error = { (mode: String) in runs.run("globex", "a-\(mode)")?["error"]?.stringValue ?? "" }
        for mode in CrashingPlugin.Mode.allCases {
            #expect(runs.run("globex", "a-\(mode.rawValue)")?["status"]?.stringValue == "failed")
        }
        #expect(error("segv").contains("SIGSEGV"), "\(error("segv"))")
        #expect(error("abort").contains("SIGABRT"), "\(error("abort"))")
        #expect(error("exit").contains("exited with status 3"), "\(error("exit"))")
        #expect(error("hang").contains("timed out after 3 s"), "\(error("hang"))")
        #expect(Date().timeIntervalSince(started) < 60, "the hung connector was stopped at its timeout")
        // The contract keys are all there on a made-up (crash) report too.
        let crashed = try #require(runs.run("globex", "a-segv"))
        for key in ["tenant", "source", "status", "created", "updated", "unchanged", "deactivated", "invalid",
                    "bulkRequests", "sessions", "durationMs", "error"] {
            #expect(crashed[key] != nil, "missing \(key)")
        }
        // A rerun of the crashed source is not refused by a stale lock.
        let again = try TestSupport.xaas(["sync", "--config", f.configDir.path, "--state", f.stateDir.path, "--json",
                                          "--tenant", "globex", "--source", "hr"])
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test func tokensNeverCrossAndFaultsStayWithTheirOrg() throws {
        var faults = EmulatorConfiguration.Faults()
        faults.error503 = 0.1
        faults.storm429 = 0.1
        faults.stormLength = 2
        let f = try MultiOrgFixture(faults: ["globex": faults])
        let (_, runs, stderr) = try f.syncAll(["--jobs", "4"])
        #expect(runs.count == 4, "\(stderr)")
        for source in MultiOrgFixture.sources {
            #expect(runs.run("acme", source)?["status"]?.stringValue == "ok",
                    "\(runs.run("acme", source)?.serialized ?? "missing") \(stderr)")
            #expect(runs.run("acme", source)?.int("created") == 30)
        }
        #expect(try f.activeUsers("acme").count == 60)
        let acme = try f.inspect("acme", "stats"), globex = try f.inspect("globex", "stats")
        #expect(acme["faultsInjected"]?.intValue == 0 && acme["rateLimited"]?.intValue == 0)
        #expect((globex["faultsInjected"]?.intValue ?? 0) > 0, "the faults were on globex: \(globex.serialized)")
        // Each org saw only requests carrying its own token: every user it holds came from its own files.
        for org in MultiOrgFixture.orgs {
            #expect(try f.activeUsers(org).allSatisfy { $0.hasPrefix("\(org)-") })
            #expect((try f.inspect(org, "stats"))["requests"]?.intValue ?? 0 > 0)
        }
        #expect(!stderr.contains(MultiOrgFixture.token("acme")) && !stderr.contains(MultiOrgFixture.token("globex")))
    }

    @Test func logLinesAreTaggedAndJSONOnRequest() throws {
        let f = try MultiOrgFixture()
        let result = try TestSupport.xaas(["sync", "--config", f.configDir.path, "--state", f.stateDir.path,
                                           "--log-format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(!lines.isEmpty)
        for line in lines {
            let record = try JSONValue.parse(line)
            #expect(record["tenant"]?.stringValue != nil && record["source"]?.stringValue != nil, "\(line)")
            #expect(record["level"]?.stringValue != nil && record["time"]?.stringValue != nil, "\(line)")
        }
        let bad = try TestSupport.xaas(["sync", "--config", f.configDir.path, "--log-format", "xml"])
        #expect(bad.status == 2 && bad.stderr.contains("--log-format"))
    }

    @Test func workersStopWhenTheirParentIsKilled() throws {
        var slow = EmulatorConfiguration.Faults()
        slow.routeLatencyMs = ["bulk-upsert": 3000]
        let f = try MultiOrgFixture(faults: ["acme": slow])
        try f.writeUsers("acme", "hr", count: 1000)
        let parent = Process()
        parent.executableURL = TestSupport.xaasExecutable
        parent.arguments = ["sync", "--config", f.configDir.path, "--state", f.stateDir.path, "--tenant", "acme", "--source", "hr"]
        parent.standardOutput = FileHandle.nullDevice
        parent.standardError = FileHandle.nullDevice
        try parent.run()
        #expect(try ServeProcess.eventually(180) { (try f.inspect("acme", "stats"))["bulkRequests"]?.intValue ?? 0 >= 1 })
        kill(parent.processIdentifier, SIGKILL)
        parent.waitUntilExit()
        // The orphaned worker notices and stops, releasing the source's lock; a rerun then converges.
        let lock = f.stateDir.appendingPathComponent("locks/acme__hr.lock").path
        // Five bulk requests of 3 s each remain: released within 12 s (< 15 s) means the worker stopped, not finished.
        let released = ServeProcess.eventually(12) {
            let fd = open(lock, O_RDWR)
            defer { close(fd) }
            return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0
        }
        #expect(released, "the worker outlived its parent")
        #expect(try f.activeUsers("acme").count < 1000, "stopped mid-run")
        let (status, runs, stderr) = try f.syncAll(["--tenant", "acme", "--source", "hr"])
        #expect(status == 0, "\(stderr)")
        #expect(runs.first?["status"]?.stringValue == "ok")
        #expect(try f.activeUsers("acme").count == 1000)
    }
}
