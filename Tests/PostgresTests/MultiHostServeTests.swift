import Emulator
import Foundation
import Glibc
@testable import Host
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// Several `xaas serve` hosts on one PostgreSQL and one emulator with several orgs and sources: each
/// due source runs on exactly one host; a killed host's source is finished by another; a frozen host's
/// late writes are rejected by generation. Needs PostgreSQL 15 server binaries (``PostgresCluster``).
@Suite(.serialized, .enabled(if: PostgresCluster.unavailable == nil, "\(PostgresCluster.unavailable ?? "")"))
struct MultiHostServeTests {
    static let orgs = ["acme", "globex"]
    static let sources = ["hr", "staff", "vendors"]
    static let users = 25

    final class Fixture: EmulatorSyncFixture, @unchecked Sendable {
        let conninfo: String
        var hosts: [HostProcess] = []

        init(slowImportMs: Int = 20) throws {
            let cluster = try #require(PostgresCluster.shared, "the throwaway PostgreSQL cluster did not start (see stderr)")
            conninfo = try cluster.makeDatabase("hosts")
            let orgs = MultiHostServeTests.orgs.map { name -> EmulatorConfiguration.Org in
                var org = EmulatorSyncFixture.org(name, token: "\(name)-token-0123456789",
                                                  identitySources: MultiHostServeTests.sources.map { "0oa\(name)\($0)" })
                org.processingDelayMs = slowImportMs
                return org
            }
            try super.init(orgs: orgs, seed: 3, directoryPrefix: "multi-host")
            for org in MultiHostServeTests.orgs {
                try writeOrg(org, token: "\(org)-token-0123456789")
                for source in MultiHostServeTests.sources {
                    try write("\(org)/\(source).json", """
                        {"identitySourceId": "0oa\(org)\(source)", "connector": "csv",
                         "settings": {"path": "\(source).csv", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]}},
                         "schedule": {"every": "1h"},
                         "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first}", "lastName": "${last}"}}
                        """)
                    var text = "id,active,first,last,email\n"
                    for i in 0..<MultiHostServeTests.users { text += "\(org)-\(source)-\(i),true,F\(i),L\(i),\(source)\(i)@\(org).example\n" }
                    try write("\(org)/\(source).csv", text)
                }
            }
            try write("xaas.json", #"{"state": {"postgres": {"conninfo": {"env": "XAAS_TEST_PG"}}}}"#)
        }

        /// Starts host `h<index>` with its own state directory (locks, budgets) and the shared PostgreSQL.
        func startHost(_ index: Int, jobs: Int = 2) throws {
            hosts.append(try HostProcess(id: "h\(index)", [
                "--config", configDir.path, "--state", root.appendingPathComponent("state-h\(index)").path,
                "--jobs", String(jobs), "--lease-seconds", "3", "--grace", "2", "--log-format", "json", "--listen", "0",
            ], environment: ["XAAS_TEST_PG": conninfo]))
        }

        func host(_ id: String) -> HostProcess? { hosts.first { $0.id == id } }

        deinit { for h in hosts { h.stop(SIGKILL) } }

        /// Finished non-dry runs of each source in PostgreSQL, by `tenant/source`: their statuses in order.
        func runs() throws -> [String: [String]] {
            let db = try PostgresConnection(conninfo: conninfo)
            let result = try db.exec("SELECT tenant, source, status FROM xaas.runs WHERE dry_run=0 AND finished_at IS NOT NULL ORDER BY id", [])
            var out: [String: [String]] = [:]
            for i in 0..<result.rowCount {
                let r = result.row(i)
                out["\(r.text(0) ?? "")/\(r.text(1) ?? "")", default: []].append(r.text(2) ?? "")
            }
            return out
        }

        /// The host holding `tenant/source`'s lease while its run is unfinished, if any.
        func runningHolder(_ tenant: String, _ source: String) throws -> (holder: String, generation: Int64)? {
            let db = try PostgresConnection(conninfo: conninfo)
            let result = try db.exec("""
                SELECT holder, generation FROM xaas.leases WHERE tenant=$1 AND source=$2
                  AND run_started_at IS NOT NULL AND run_finished_at IS NULL
                """, [.text(tenant), .text(source)])
            guard result.rowCount == 1, let holder = result.row(0).text(0) else { return nil }
            return (holder, result.row(0).int(1))
        }

        /// The current generation of `tenant/source`'s lease (0 when it never had one).
        func generation(_ tenant: String, _ source: String) throws -> Int64 {
            let db = try PostgresConnection(conninfo: conninfo)
            let result = try db.exec("SELECT generation FROM xaas.leases WHERE tenant=$1 AND source=$2", [.text(tenant), .text(source)])
            return result.rowCount == 0 ? 0 : result.row(0).int(0)
        }

        /// The emulator's sessions of one identity source: (status, created, lastUpdated) in creation order.
        func sessions(_ org: String, _ source: String) throws -> [(status: String, start: String, end: String)] {
            try inspect(org, "sessions").arrayValue?.compactMap { s in
                guard s["identitySourceId"]?.stringValue == "0oa\(org)\(source)" else { return nil }
                return (s["status"]?.stringValue ?? "", s["created"]?.stringValue ?? "", s["lastUpdated"]?.stringValue ?? "")
            } ?? []
        }

        /// No two sessions of one identity source were open at once (ISO times compare as text).
        func sessionsNeverOverlap(_ org: String, _ source: String) throws -> Bool {
            let list = try sessions(org, source).sorted { $0.start < $1.start }
            return zip(list, list.dropFirst()).allSatisfy { $0.end <= $1.start }
        }

        var logs: String {
            var leases = ""
            if let db = try? PostgresConnection(conninfo: conninfo),
               let r = try? db.exec("SELECT tenant, source, holder, generation, run_started_at, run_finished_at, released_at FROM xaas.leases ORDER BY 1, 2", []) {
                for i in 0..<r.rowCount { leases += (0..<7).map { r.row(i).text(Int32($0)) ?? "NULL" }.joined(separator: " ") + "\n" }
            }
            return "leases:\n\(leases)" + hosts.map { "== \($0.id)\n\($0.log)" }.joined(separator: "\n")
        }
    }

    @Test func threeHostsRunEachSourceExactlyOnce() throws {
        let f = try Fixture()
        for i in 0..<3 { try f.startHost(i) }
        let all = Self.orgs.flatMap { o in Self.sources.map { "\(o)/\($0)" } }
        let done = eventually(120) { ((try? f.runs()) ?? [:]).keys.count == all.count }
        #expect(done, "not every source ran: \((try? f.runs()) ?? [:])\n\(f.logs)")
        Thread.sleep(forTimeInterval: 4)   // a few more scheduling rounds on every host: nothing runs again
        let runs = try f.runs()
        for key in all { #expect(runs[key] == ["ok"], "\(key): \(runs[key] ?? [])") }
        for org in Self.orgs {
            #expect(try f.activeUsers(org).count == Self.sources.count * Self.users)
            for source in Self.sources {
                #expect(try f.sessions(org, source).map(\.status) == ["COMPLETED"])
                #expect(try f.sessionsNeverOverlap(org, source))
            }
        }
        // Work spread: more than one host ran something (each takes at most --jobs 2 at a time).
        let gained = f.hosts.filter { $0.log.contains("lease gained") }.count
        #expect(gained >= 2, "\(f.logs)")
        let status = try TestSupport.xaas(["status", "--config", f.configDir.path, "--json"], environment: ["XAAS_TEST_PG": f.conninfo])
        let lease = try JSONValue.parse(status.stdout)["sources"]?.arrayValue?.first?["lease"]
        #expect(lease?["generation"]?.intValue ?? 0 >= 1, "\(status.stdout)\(status.stderr)")
        #expect(lease?["holder"]?.stringValue?.hasPrefix("h") == true)
        // Every host's status page reads the shared state: each source's last run, whichever host ran it.
        for host in f.hosts {
            let port = try #require(host.metricsPort(), "\(host.id) serves no status page: \(host.log)")
            let page = try JSONValue.parse(try #require(ServeProcess.get(port: port, "/api/v1/status")).1)
            let states = (page["sources"]?.arrayValue ?? []).map { $0["state"]?.stringValue ?? "" }
            #expect(states == Array(repeating: "ok", count: all.count), "\(host.id): \(states)")
        }
    }

    /// Waits until some host runs `acme/hr` with its import session open at Okta; returns that host.
    func holderMidRun(_ f: Fixture) throws -> (HostProcess, Int64) {
        var found: (String, Int64)?
        let midRun = eventually(60) {
            found = try? f.runningHolder("acme", "hr")
            return found != nil && ((try? f.sessions("acme", "hr"))?.isEmpty == false)
        }
        let (holder, generation) = try #require(midRun ? found : nil, "acme/hr never ran: \(f.logs)")
        return (try #require(f.host(holder)), generation)
    }

    @Test func killedHostsSourceIsFinishedByAnother() throws {
        let f = try Fixture(slowImportMs: 4_000)
        for i in 0..<3 { try f.startHost(i) }
        let (victim, generation) = try holderMidRun(f)
        let killedAt = Date()
        victim.signalAll(SIGKILL)
        let takenOver = eventually(30) { ((try? f.generation("acme", "hr")) ?? 0) > generation }
        print("takeover after SIGKILL: \(String(format: "%.1f", Date().timeIntervalSince(killedAt))) s (lease 3 s)")
        #expect(takenOver, "\(f.logs)")
        // Finished: the run's report says ok and its host recorded the run's end on the lease.
        let finished = eventually(60) {
            ((try? f.runs()) ?? [:])["acme/hr"]?.last == "ok" && (try? f.runningHolder("acme", "hr")) == nil
        }
        #expect(finished, "acme/hr not finished after \(victim.id) was killed: \(f.logs)")
        let next = try PostgresConnection(conninfo: f.conninfo)
            .exec("SELECT holder, generation FROM xaas.leases WHERE tenant='acme' AND source='hr'", [])
        #expect(next.row(0).text(0) != victim.id)
        #expect(next.row(0).int(1) > generation)
        #expect(try f.users("acme").filter { $0.key.contains("hr") || $0.value.profile["email"]?.hasPrefix("hr") == true }.count == Self.users)
        #expect(try f.sessions("acme", "hr").filter { $0.status == "COMPLETED" }.count == 1)
        #expect(try f.sessionsNeverOverlap("acme", "hr"))
    }

    @Test func frozenHostsLateWritesAreRejectedByGeneration() throws {
        let f = try Fixture(slowImportMs: 4_000)
        for i in 0..<3 { try f.startHost(i) }
        let (frozen, generation) = try holderMidRun(f)
        let frozenAt = Date()
        frozen.signalAll(SIGSTOP)
        let takenOver = eventually(90) { ((try? f.generation("acme", "hr")) ?? 0) > generation }
        print("takeover after SIGSTOP: \(String(format: "%.1f", Date().timeIntervalSince(frozenAt))) s (lease 3 s)")
        #expect(takenOver, "\(f.logs)")
        // Past the lease (3 s): the server ends the frozen session, another host takes over and finishes.
        let finished = eventually(60) {
            guard let runs = try? f.runs(), runs["acme/hr"]?.last == "ok" else { return false }
            return true
        }
        #expect(finished, "acme/hr not finished while \(frozen.id) was frozen: \(f.logs)")
        frozen.signalAll(SIGCONT)
        // Its heartbeat finds the lease gone, and its stale run fails: its next state write is rejected by
        // generation, or — when it was frozen just before a bulk request — Okta refuses the session the
        // successor cancelled. Either way nothing of it is applied (checked below).
        let staleRunFailed = eventually(30) {
            frozen.log.split(separator: "\n").contains { $0.contains("\"tenant\":\"acme\",\"source\":\"hr\"") && $0.contains("failed:") }
        }
        #expect(staleRunFailed, "\(frozen.id)'s stale run did not fail: \(frozen.log)")
        #expect(frozen.log.contains("lease generation \(generation) lost"))
        let byGeneration = frozen.log.contains("write rejected: this run holds lease generation \(generation)")
        print("stale run of \(frozen.id) stopped by: \(byGeneration ? "generation fencing (write rejected)" : "Okta (session cancelled by the successor)")")
        for line in frozen.log.split(separator: "\n") where line.contains("write rejected") || line.contains("lost") {
            print("\(frozen.id) after SIGCONT: \(line.prefix(300))")
        }
        Thread.sleep(forTimeInterval: 2)
        #expect(try f.users("acme").values.filter { $0.profile["email"]?.hasPrefix("hr") == true }.count == Self.users)
        let sessions = try f.sessions("acme", "hr")
        #expect(sessions.filter { $0.status == "COMPLETED" }.count == 1, "\(sessions)")
        #expect(try f.sessionsNeverOverlap("acme", "hr"))
        let store = try StateStore.open(.postgres(conninfo: f.conninfo, schema: "xaas"), tenant: "acme", source: "hr")
        #expect(try store.appliedCount(kind: .user, status: .active) == Self.users)
        #expect(try store.unfinishedSessions().isEmpty)
    }

    @Test func manualSyncUsesSharedStateAndRespectsLeases() throws {
        let f = try Fixture()
        let env = ["XAAS_TEST_PG": f.conninfo]
        let first = try TestSupport.xaas(["sync", "--config", f.configDir.path, "--state", f.stateDir.path, "--tenant", "acme",
                                          "--source", "hr", "--json"], environment: env)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(try f.runs()["acme/hr"] == ["ok"])
        #expect(!FileManager.default.fileExists(atPath: f.stateDir.appendingPathComponent("state.sqlite").path))
        // While a serve host holds the lease, a manual sync of that source refuses to run beside it.
        let held = try #require(try SourceLease.tryAcquire(conninfo: f.conninfo, schema: "xaas", tenant: "acme", source: "hr",
                                                           holder: "h9", ttlSeconds: 30))
        let second = try TestSupport.xaas(["sync", "--config", f.configDir.path, "--state", f.stateDir.path, "--tenant", "acme",
                                           "--source", "hr", "--json"], environment: env)
        #expect(second.status == 1)
        #expect((second.stdout + second.stderr).contains("is running on h9"), "\(second.stdout)\(second.stderr)")
        held.release()
        #expect(try f.runs()["acme/hr"] == ["ok"])
    }
}
