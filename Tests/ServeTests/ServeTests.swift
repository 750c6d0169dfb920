import Emulator
import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport
import XaasJSON

/// `xaas serve` as operators run it: scheduled runs of two orgs × two sources against one emulator,
/// `/metrics` and `/healthz`, SIGHUP with a broken config, SIGTERM (graceful, and mid-run then restart).
@Suite(.serialized) struct ServeTests {
    static func schedule(_ f: MultiOrgFixture, every: String) throws {
        for org in MultiOrgFixture.orgs {
            for source in MultiOrgFixture.sources {
                try f.addSource(org, source, connector: "csv", settings: """
                    {"path": "\(source).csv", "externalId": "id", "status": {"attribute": "active", "activeValues": ["true"]}}
                    """, extra: "\"schedule\": {\"every\": \"\(every)\"},")
            }
        }
    }

    @Test func scheduledRunsMetricsReloadAndGracefulStop() throws {
        var faults = EmulatorConfiguration.Faults()
        faults.storm429 = 0.3
        faults.stormLength = 1
        let f = try MultiOrgFixture(faults: ["globex": faults])
        try Self.schedule(f, every: "1h")
        let serve = try ServeProcess(["--config", f.configDir.path, "--state", f.stateDir.path,
                                      "--listen", "127.0.0.1:0", "--jobs", "4", "--log-format", "json"])
        let port = try #require(serve.metricsPort(), "no metrics line in: \(serve.log)")
        #expect(ServeProcess.get(port: port, "/healthz")?.0 == 200)
        var metrics = ""
        let allRan = ServeProcess.eventually(180) {
            metrics = ServeProcess.get(port: port, "/metrics")?.1 ?? ""
            return MultiOrgFixture.orgs.allSatisfy { org in
                MultiOrgFixture.sources.allSatisfy { source in
                    ServeProcess.sample(metrics, "xaas_runs_total{tenant=\"\(org)\",source=\"\(source)\",result=\"ok\"}") == 1
                }
            }
        }
        #expect(allRan, "every source ran once: \(metrics)\n\(serve.log)")
        for org in MultiOrgFixture.orgs {
            #expect(try f.activeUsers(org).count == 60)
            for source in MultiOrgFixture.sources {
                let labels = "tenant=\"\(org)\",source=\"\(source)\""
                #expect(ServeProcess.sample(metrics, "xaas_records_total{\(labels),action=\"created\"}") == 30)
                #expect(ServeProcess.sample(metrics, "xaas_bulk_requests_total{\(labels)}") == 1)
                #expect(ServeProcess.sample(metrics, "xaas_run_duration_seconds_count{\(labels)}") == 1)
                #expect((ServeProcess.sample(metrics, "xaas_last_success_timestamp_seconds{\(labels)}") ?? 0) > 1_700_000_000)
            }
        }
        // The 429s the metrics report are the ones the emulator sent, org by org.
        let globex429 = try f.inspect("globex", "stats")["rateLimited"]?.intValue ?? -1
        #expect(ServeProcess.sample(metrics, "xaas_rate_limited_responses_total{tenant=\"globex\"}") == Double(globex429))
        #expect(ServeProcess.sample(metrics, "xaas_rate_limited_responses_total{tenant=\"acme\"}") == 0)
        #expect(ServeProcess.sample(metrics, "xaas_rate_limit_remaining{tenant=\"acme\"}") != nil)
        #expect((ServeProcess.sample(metrics, "xaas_rate_limit_budget_remaining{tenant=\"acme\"}") ?? 0) > 0, "\(metrics)")
        // Hourly: no second run yet (runs do not pile up or repeat).
        #expect(!metrics.contains("result=\"ok\"} 2"))

        // SIGHUP with a broken source file: logged, old config kept, still serving.
        try f.write("acme/hr.json", "{\"identitySourceId\": ")
        serve.signal(SIGHUP)
        #expect(ServeProcess.eventually(180) {
            ServeProcess.sample(ServeProcess.get(port: port, "/metrics")?.1 ?? "", "xaas_config_reloads_total{result=\"failed\"}") == 1
        })
        #expect(serve.log.contains("keeping the previous one"))
        #expect(ServeProcess.get(port: port, "/healthz")?.0 == 200)

        serve.signal(SIGTERM)
        #expect(serve.exitStatus(within: 30) == 0, "\(serve.log)")
        for line in serve.log.split(separator: "\n") {
            #expect(!line.contains(MultiOrgFixture.token("acme")) && !line.contains(MultiOrgFixture.token("globex")))
            #expect((try? JSONValue.parse(String(line))) != nil, "not a JSON log line: \(line)")
        }
    }

    @Test func sigtermMidRunThenRestartConverges() throws {
        var slow = EmulatorConfiguration.Faults()
        slow.routeLatencyMs = ["bulk-upsert": 700]
        let f = try MultiOrgFixture(faults: ["acme": slow])
        try f.writeUsers("acme", "hr", count: 1000)
        try Self.schedule(f, every: "1h")
        let serve = try ServeProcess(["--config", f.configDir.path, "--state", f.stateDir.path, "--grace", "0"])
        // Stop while acme/hr is between bulk requests of its 1000 users.
        #expect(try ServeProcess.eventually(180) { (try f.inspect("acme", "stats"))["bulkRequests"]?.intValue ?? 0 >= 2 },
                "\(serve.log)")
        serve.signal(SIGTERM)
        #expect(serve.exitStatus(within: 30) == 0, "\(serve.log)")
        #expect(serve.log.contains("SIGTERM"))
        #expect(try f.activeUsers("acme").count < 1030, "stopped mid-run")

        // Restart: the interrupted run resumes and everything converges.
        let (status, runs, stderr) = try f.syncAll()
        #expect(status == 0, "\(stderr)")
        #expect(runs.count == 4)
        #expect(try f.activeUsers("acme").count == 1030)
        #expect(try f.activeUsers("globex").count == 60)
        let again = try f.syncAll()
        #expect(again.status == 0 && again.runs.allSatisfy { $0.int("bulkRequests") == 0 }, "\(again.runs)")
    }

    @Test func sigtermLetsRunningSyncsFinishWithinTheGrace() throws {
        var slow = EmulatorConfiguration.Faults()
        slow.routeLatencyMs = ["bulk-upsert": 700]
        let f = try MultiOrgFixture(faults: ["acme": slow])
        try f.writeUsers("acme", "hr", count: 1000)
        try Self.schedule(f, every: "1h")
        // Only acme/hr runs in acme (so the request seen below is hr's).
        try f.addSource("acme", "contractors", connector: "csv", settings: #"{"path": "contractors.csv", "externalId": "id"}"#)
        let serve = try ServeProcess(["--config", f.configDir.path, "--state", f.stateDir.path, "--grace", "120"])
        #expect(try ServeProcess.eventually(180) { (try f.inspect("acme", "stats"))["bulkRequests"]?.intValue ?? 0 >= 1 },
                "\(serve.log)")
        serve.signal(SIGTERM)
        #expect(serve.exitStatus(within: 120) == 0, "\(serve.log)")
        #expect(serve.log.contains("SIGTERM: no new runs; waiting up to 120 s"), "\(serve.log)")
        #expect(!serve.log.contains("stopping them"))
        // The run in flight was completed, not cut: a sync right after has nothing to send for acme/hr.
        #expect(try f.activeUsers("acme").filter { $0.hasPrefix("acme-hr-") }.count == 1000)
        let after = try f.syncAll(["--tenant", "acme", "--source", "hr"])
        #expect(after.status == 0 && after.runs.first?.int("bulkRequests") == 0, "\(after.runs)")
    }
}
