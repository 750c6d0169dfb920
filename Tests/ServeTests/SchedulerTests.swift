import Foundation
@testable import Host
import Testing

/// Cron matching, interval cadence without pile-up, and the scheduler's overlap rules (no clocks: every
/// time is passed in).
@Suite struct SchedulerTests {
    static var utc: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }

    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    static func iso(_ date: Date?) -> String? { date.map { ISO8601DateFormatter().string(from: $0) } }

    @Test(arguments: [
        ("*/15 * * * *", "2026-01-01T10:07:30Z", "2026-01-01T10:15:00Z"),
        ("0 2 * * *", "2026-01-01T02:00:00Z", "2026-01-02T02:00:00Z"),
        ("30 9 * * MON-FRI", "2026-01-02T10:00:00Z", "2026-01-05T09:30:00Z"),  // Friday → Monday
        ("0 0 1 JAN *", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("0 12 13 * 5", "2026-02-01T00:00:00Z", "2026-02-06T12:00:00Z"),     // day 13 OR Friday
        ("5/20 * * * *", "2026-01-01T10:06:00Z", "2026-01-01T10:25:00Z"),
        ("0 0 * * 7", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"),        // 7 = Sunday
        ("0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"),
    ])
    func cronNext(expression: String, after: String, expected: String) throws {
        let cron = try #require(CronSchedule(expression))
        #expect(Self.iso(cron.next(after: Self.date(after), calendar: Self.utc)) == expected)
    }

    @Test func malformedCronIsRejected() {
        for bad in ["* * * *", "60 * * * *", "*/0 * * * *", "5-1 * * * *", "x * * * *"] {
            #expect(CronSchedule(bad) == nil, "\(bad)")
        }
    }

    @Test func everyKeepsCadenceAndSkipsMissedRuns() {
        let due = Self.date("2026-01-01T10:00:00Z")
        let every = Schedule.every(seconds: 900)
        // Finished in time: the next slot.
        #expect(Self.iso(every.nextDue(after: due, now: due.addingTimeInterval(60))) == "2026-01-01T10:15:00Z")
        // Ran 50 minutes: slots 10:15, 10:30, 10:45 are missed and not piled up; the next is 11:00.
        #expect(Self.iso(every.nextDue(after: due, now: due.addingTimeInterval(3000))) == "2026-01-01T11:00:00Z")
        // Exactly on a slot boundary: that slot is past, the next one counts.
        #expect(Self.iso(every.nextDue(after: due, now: due.addingTimeInterval(900))) == "2026-01-01T10:30:00Z")
        #expect(every.firstDue(now: due) == due)
    }

    static func config(_ sources: [(tenant: String, source: String, schedule: Schedule?)]) -> ConfigDirectory {
        let tenants = Dictionary(grouping: sources, by: \.tenant).sorted { $0.key < $1.key }.map { name, items in
            TenantConfig(name: name, directory: URL(fileURLWithPath: "/c/\(name)"), org: OrgConfig(endpoint: .embedded),
                         sources: items.map { item in
                             SourceConfig(tenant: name, name: item.source, file: URL(fileURLWithPath: "/c/\(name)/\(item.source).json"),
                                          identitySourceId: "0oa\(item.source)", connector: "csv",
                                          mapping: try! Mapping([("userName", "${email}"), ("email", "${email}")]),
                                          schedule: item.schedule)
                         })
        }
        return ConfigDirectory(path: URL(fileURLWithPath: "/c"), tenants: tenants)
    }

    @Test func oneRunPerSourceOneSourcePerTenantJobsAtATime() {
        let t0 = Self.date("2026-01-01T10:00:00Z")
        let scheduler = SourceScheduler()
        let loaded = scheduler.load(Self.config([
            ("acme", "hr", .every(seconds: 60)), ("acme", "ldap", .every(seconds: 60)),
            ("globex", "staff", .every(seconds: 60)), ("initech", "x", .every(seconds: 60)), ("initech", "manual", nil),
        ]), now: t0)
        #expect(loaded.unscheduled == ["initech/manual"])
        // jobs = 2: acme/hr and globex/staff; acme/ldap waits for its tenant, initech for a slot.
        var started = scheduler.takeDue(now: t0, jobs: 2)
        #expect(started.map(\.key) == ["acme/hr", "globex/staff"])
        #expect(scheduler.takeDue(now: t0.addingTimeInterval(120), jobs: 2).isEmpty, "no slot, no overlap")
        // acme/hr finishes late (after 3 min): acme/ldap may start now; hr is next due at 10:04, once.
        scheduler.finished(started[0], now: t0.addingTimeInterval(180))
        #expect(Self.iso(scheduler.due("acme/hr")) == "2026-01-01T10:04:00Z")
        started = scheduler.takeDue(now: t0.addingTimeInterval(180), jobs: 2)
        #expect(started.map(\.key) == ["acme/ldap"])
        #expect(scheduler.running == 2)
    }

    @Test func reloadKeepsDueTimesAndDropsRemovedSourcesAfterTheirRun() {
        let t0 = Self.date("2026-01-01T10:00:00Z")
        let scheduler = SourceScheduler()
        scheduler.load(Self.config([("acme", "hr", .every(seconds: 60)), ("acme", "old", .every(seconds: 60))]), now: t0)
        let running = scheduler.takeDue(now: t0, jobs: 4)
        #expect(running.map(\.key) == ["acme/hr"])
        scheduler.finished(running[0], now: t0.addingTimeInterval(10))
        let old = scheduler.takeDue(now: t0.addingTimeInterval(10), jobs: 4)
        #expect(old.map(\.key) == ["acme/old"])
        // Reload without "old" while it runs, and with hr unchanged: hr keeps 10:01, old goes after its run.
        scheduler.load(Self.config([("acme", "hr", .every(seconds: 60))]), now: t0.addingTimeInterval(20))
        #expect(Self.iso(scheduler.due("acme/hr")) == "2026-01-01T10:01:00Z")
        scheduler.finished(old[0], now: t0.addingTimeInterval(30))
        #expect(scheduler.due("acme/old") == nil)
        #expect(scheduler.takeDue(now: t0.addingTimeInterval(61), jobs: 4).map(\.key) == ["acme/hr"])
    }

    @Test func metricsTextEscapesLabelsAndCountsRuns() {
        let metrics = ServeMetrics()
        var report = RunReport(tenant: "ac\"me", source: "hr")
        report.created = 3
        report.bulkRequests = 1
        report.durationMs = 2500
        metrics.record(WorkerResult(report: report, rate: .init(rateLimited: 2, remaining: 40, limit: 100)),
                       finishedAt: Date(timeIntervalSince1970: 1_800_000_000))
        report.status = .failed
        metrics.record(WorkerResult(report: report))
        let text = metrics.render()
        #expect(text.contains(#"xaas_runs_total{tenant="ac\"me",source="hr",result="ok"} 1"#))
        #expect(text.contains(#"xaas_runs_total{tenant="ac\"me",source="hr",result="failed"} 1"#))
        #expect(text.contains(#"xaas_records_total{tenant="ac\"me",source="hr",action="created"} 6"#))
        #expect(text.contains(#"xaas_run_duration_seconds_bucket{tenant="ac\"me",source="hr",le="1"} 0"#))
        #expect(text.contains(#"xaas_run_duration_seconds_bucket{tenant="ac\"me",source="hr",le="5"} 2"#))
        #expect(text.contains(#"xaas_rate_limited_responses_total{tenant="ac\"me"} 2"#))
        #expect(text.contains(#"xaas_rate_limit_remaining{tenant="ac\"me"} 40"#))
        #expect(text.contains(#"xaas_last_success_timestamp_seconds{tenant="ac\"me",source="hr"} 1800000000.000"#))
    }
}
