import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport

/// ``LifecyclePolicy`` at chosen instants: held hires, end dates, rehires, DST days in two zones, bad dates.
@Suite struct LifecyclePolicyTests {
    static func policy(zone: String = "Europe/Berlin", preHire: Int = 7, grace: Int = 0,
                       formats: [String] = ["yyyy-MM-dd", "MM/dd/yyyy", "ISO8601"]) throws -> LifecyclePolicy {
        LifecyclePolicy(LifecycleConfig(startDate: try MappingTemplate("${hire_date}"), endDate: try MappingTemplate("${termination_date}"),
                                        timeZone: try #require(TimeZone(identifier: zone)), preHireDays: preHire, graceDays: grace,
                                        dateFormats: formats))
    }

    static func record(start: String, end: String = "", status: SourceRecord.Status = .active) -> SourceRecord {
        SourceRecord(externalId: "emp-1", status: status,
                     attributes: [SourceAttribute("hire_date", start), SourceAttribute("termination_date", end)])
    }

    static func at(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    @Test func hireIsHeldUntilExactlyPreHireDaysBeforeStart() throws {
        let p = try Self.policy()
        let r = Self.record(start: "2026-12-14")
        // 2026-12-07 00:00 in Berlin (CET, +01:00) is 2026-12-06T23:00:00Z.
        let due = Self.at("2026-12-06T23:00:00Z")
        let expected = LifecycleEvent(action: .create, due: due, detail: "creates on 2026-12-07 (7 days before start 2026-12-14)")
        #expect(p.evaluate(r, now: Self.at("2026-12-04T10:00:00Z")) == .held(expected, afterEnd: false))
        #expect(p.evaluate(r, now: due.addingTimeInterval(-1)) == .held(expected, afterEnd: false))
        #expect(p.evaluate(r, now: due) == .proceed(next: nil))
        #expect(p.evaluate(r, now: Self.at("2027-01-01T00:00:00Z")) == .proceed(next: nil))
    }

    @Test func endDatePlusGraceDeactivatesAtStartOfThatDay() throws {
        let p = try Self.policy(grace: 2)
        let r = Self.record(start: "2020-01-06", end: "2026-12-10")
        let due = Self.at("2026-12-11T23:00:00Z")   // 2026-12-12 00:00 CET
        let event = LifecycleEvent(action: .deactivate, due: due, detail: "deactivates on 2026-12-12 (end date 2026-12-10 + 2 grace days)")
        #expect(p.evaluate(r, now: due.addingTimeInterval(-1)) == .proceed(next: event))
        #expect(p.evaluate(r, now: due) == .ended("end date 2026-12-10 + 2 grace days"))
        // Whatever the status column says.
        #expect(p.evaluate(Self.record(start: "2020-01-06", end: "2026-12-10", status: .active), now: due.addingTimeInterval(86_400))
                == .ended("end date 2026-12-10 + 2 grace days"))
    }

    @Test func endInstantWithATimeTakesEffectAtThatInstant() throws {
        let p = try Self.policy()
        let r = Self.record(start: "2020-01-06", end: "2026-12-10T17:00:00+01:00")
        let due = Self.at("2026-12-10T16:00:00Z")
        #expect(p.evaluate(r, now: due.addingTimeInterval(-0.5))
                == .proceed(next: LifecycleEvent(action: .deactivate, due: due,
                                                 detail: "deactivates at 2026-12-10 17:00 (Europe/Berlin) (end date 2026-12-10T17:00:00+01:00)")))
        #expect(p.evaluate(r, now: due) == .ended("end date 2026-12-10T17:00:00+01:00"))
    }

    @Test func rehireIsHeldAfterTheOldEndThenReactivatedWhenDue() throws {
        let p = try Self.policy()
        let r = Self.record(start: "2026-12-14", end: "2026-06-30")
        let oldEnd = Self.at("2026-06-29T22:00:00Z")   // 2026-06-30 00:00 CEST
        #expect(p.evaluate(r, now: oldEnd.addingTimeInterval(-1))
                == .proceed(next: LifecycleEvent(action: .deactivate, due: oldEnd, detail: "deactivates on 2026-06-30 (end date 2026-06-30)")))
        let due = Self.at("2026-12-06T23:00:00Z")
        let rehire = LifecycleEvent(action: .create, due: due, detail: "reactivates on 2026-12-07 (7 days before start 2026-12-14, rehire)")
        #expect(p.evaluate(r, now: oldEnd) == .held(rehire, afterEnd: true))
        #expect(p.evaluate(r, now: due) == .proceed(next: nil))
        // An end date on or after the start date ends the current employment.
        #expect(p.evaluate(Self.record(start: "2026-12-14", end: "2026-12-14"), now: Self.at("2026-12-20T00:00:00Z"))
                == .ended("end date 2026-12-14"))
    }

    @Test func startDateMovedLaterGivesAHoldEventForAUserAlreadyInOkta() throws {
        let p = try Self.policy(preHire: 0)
        guard case .held(let event, false) = p.evaluate(Self.record(start: "2027-01-10"), now: Self.at("2026-12-04T10:00:00Z")) else {
            Issue.record("not held"); return
        }
        let hold = p.holdEvent(replacing: event)
        #expect(hold.action == .hold && hold.due == Self.at("2027-01-09T23:00:00Z"))
        #expect(hold.detail == "already in Okta; left as is (start date moved later) until 2027-01-10 (start 2027-01-10)")
    }

    /// Due instants on the days clocks change: the start of the day is computed by the calendar, not by
    /// adding 24 h (which would land an hour off on either side of a change).
    @Test(arguments: [
        // Europe/Berlin: CET→CEST on 2026-03-29, CEST→CET on 2026-10-25.
        ("Europe/Berlin", "2026-03-30", "2026-03-28T23:00:00Z"),   // due 03-29 00:00 +01:00 (the change is at 02:00)
        ("Europe/Berlin", "2026-03-31", "2026-03-29T22:00:00Z"),   // due 03-30 00:00 +02:00
        ("Europe/Berlin", "2026-10-26", "2026-10-24T22:00:00Z"),   // due 10-25 00:00 +02:00
        ("Europe/Berlin", "2026-10-27", "2026-10-25T23:00:00Z"),   // due 10-26 00:00 +01:00
        // America/New_York: EST→EDT on 2026-03-08, EDT→EST on 2026-11-01.
        ("America/New_York", "2026-03-09", "2026-03-08T05:00:00Z"),
        ("America/New_York", "2026-03-10", "2026-03-09T04:00:00Z"),
        ("America/New_York", "2026-11-02", "2026-11-01T04:00:00Z"),
        ("America/New_York", "2026-11-03", "2026-11-02T05:00:00Z"),
    ])
    func dueInstantIsStartOfDayAcrossDST(zone: String, start: String, due: String) throws {
        let p = try Self.policy(zone: zone, preHire: 1)
        let dueDate = Self.at(due)
        guard case .held(let event, _) = p.evaluate(Self.record(start: start), now: dueDate.addingTimeInterval(-1)) else {
            Issue.record("\(zone) \(start): not held 1 s before \(due)"); return
        }
        #expect(event.due == dueDate, "\(zone) \(start)")
        #expect(p.evaluate(Self.record(start: start), now: dueDate) == .proceed(next: nil))
    }

    @Test func endDatesAcrossDSTWithGraceDays() throws {
        // Grace days are calendar days: 2026-03-07 + 2 = 2026-03-09 00:00 EDT, not 48 h after 03-07 00:00 EST.
        let ny = try Self.policy(zone: "America/New_York", grace: 2)
        #expect(ny.evaluate(Self.record(start: "2020-01-01", end: "2026-03-07"), now: Self.at("2026-03-09T03:59:59Z"))
                != .ended("end date 2026-03-07 + 2 grace days"))
        #expect(ny.evaluate(Self.record(start: "2020-01-01", end: "2026-03-07"), now: Self.at("2026-03-09T04:00:00Z"))
                == .ended("end date 2026-03-07 + 2 grace days"))
        let berlin = try Self.policy(zone: "Europe/Berlin", grace: 1)
        // 2026-10-25 has 25 hours in Berlin: + 1 day is 2026-10-26 00:00 CET (23:00Z), not 24 h later (22:00Z).
        #expect(berlin.evaluate(Self.record(start: "2020-01-01", end: "2026-10-25"), now: Self.at("2026-10-25T22:59:59Z"))
                != .ended("end date 2026-10-25 + 1 grace day"))
        #expect(berlin.evaluate(Self.record(start: "2020-01-01", end: "2026-10-25"), now: Self.at("2026-10-25T23:00:00Z"))
                == .ended("end date 2026-10-25 + 1 grace day"))
    }

    @Test func formatsAreTriedInOrder() throws {
        let p = try Self.policy()
        let now = Self.at("2026-12-04T10:00:00Z")
        for start in ["2026-12-14", "12/14/2026", "2026-12-14T09:00:00+01:00"] {
            guard case .held(let event, _) = p.evaluate(Self.record(start: start), now: now) else {
                Issue.record("\(start) not held"); continue
            }
            #expect(event.due == Self.at("2026-12-06T23:00:00Z"), "\(start)")
        }
    }

    @Test func badOrMissingDatesAreProblemsNamingFieldAndValue() throws {
        let p = try Self.policy()
        let now = Self.at("2026-12-04T10:00:00Z")
        #expect(p.evaluate(Self.record(start: "2026-13-01"), now: now) == .problem(
            "lifecycle.startDate: \"2026-13-01\" (from ${hire_date}) is not a date in the formats yyyy-MM-dd, MM/dd/yyyy, ISO8601"))
        #expect(p.evaluate(Self.record(start: "2026-02-29"), now: now) != .proceed(next: nil))   // not a leap year
        #expect(p.evaluate(Self.record(start: ""), now: now) == .problem("lifecycle.startDate: missing (${hire_date} is empty)"))
        #expect(p.evaluate(Self.record(start: "2020-01-01", end: "31.12.2026"), now: now) == .problem(
            "lifecycle.endDate: \"31.12.2026\" (from ${termination_date}) is not a date in the formats yyyy-MM-dd, MM/dd/yyyy, ISO8601"))
        // A missing end date is normal (no termination planned).
        #expect(p.evaluate(Self.record(start: "2020-01-01", end: ""), now: now) == .proceed(next: nil))
    }

    @Test func clockStartsAtXaasNowAndRuns() {
        let clock = LifecycleClock(offset: 3600)
        #expect(abs(clock.now().timeIntervalSinceNow - 3600) < 5)
        #expect(clock.systemDate(for: Self.at("2026-12-04T11:00:00Z")) == Self.at("2026-12-04T10:00:00Z"))
    }
}

/// `config check` on the `lifecycle` key.
@Suite struct LifecycleConfigTests {
    @Test func validKeyLoads() throws {
        let f = try ConfigFixture()
        let (source, problems) = try f.loadSource(["lifecycle": #"""
            {"startDate": "${hire_date}", "endDate": "${termination_date}", "timeZone": "America/New_York",
             "preHireDays": 7, "graceDays": 1, "dateFormats": ["yyyy-MM-dd", "MM/dd/yyyy", "ISO8601"]}
            """#])
        #expect(problems == [])
        let lifecycle = try #require(source?.lifecycle)
        #expect(lifecycle.timeZone.identifier == "America/New_York" && lifecycle.preHireDays == 7 && lifecycle.graceDays == 1)
        #expect(lifecycle.startDate?.attributes == ["hire_date"] && lifecycle.endDate?.attributes == ["termination_date"])
        #expect(lifecycle.dateFormats == ["yyyy-MM-dd", "MM/dd/yyyy", "ISO8601"])
    }

    @Test func problemsNameThePathAndSayWhatToWrite() throws {
        let f = try ConfigFixture()
        let (source, problems) = try f.loadSource(["lifecycle": #"""
            {"startDate": "${hire_date", "timeZone": "Europe/Berlinn", "preHireDays": -1, "graceDays": "2",
             "dateFormats": ["HH:mm", 5], "endDays": 3}
            """#])
        #expect(source == nil)
        let messages = problems.map { "\($0.jsonPath): \($0.message)" }
        let expected = [
            "$.lifecycle.endDays: unknown key",
            "$.lifecycle.startDate: ",
            "$.lifecycle.timeZone: \"Europe/Berlinn\" is not an IANA time zone; use a name such as \"Europe/Berlin\"",
            "$.lifecycle.preHireDays: -1 is out of range 0…3660",
            "$.lifecycle.graceDays: expected an integer",
            "$.lifecycle.dateFormats[0]: \"HH:mm\" needs a year (yyyy), a month (MM) and a day (dd)",
            "$.lifecycle.dateFormats[1]: expected a format string, got number",
        ]
        for prefix in expected { #expect(messages.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(messages)") }
        #expect(messages.contains { $0.contains("unterminated \"${\"") }, "\(messages)")
    }

    @Test func configCheckPrintsFileAndPathOfEachLifecycleProblem() throws {
        let f = try ConfigFixture()
        try f.write("acme/org.json", ConfigFixture.embeddedOrg)
        try f.write("acme/hr.json", ConfigFixture.source(["lifecycle": #"{"startDate": "${hire_date}", "timeZone": "Mars/Olympus", "dateFormats": ["dd"]}"#]))
        let r = try TestSupport.xaas(["config", "check"], currentDirectory: f.base)
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "connectors.d/acme/hr.json: $.lifecycle.timeZone: \"Mars/Olympus\" is not an IANA time zone; use a name such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\"",
            "connectors.d/acme/hr.json: $.lifecycle.dateFormats[0]: \"dd\" needs a year (yyyy), a month (MM) and a day (dd), e.g. \"yyyy-MM-dd\" or \"MM/dd/yyyy\"; or use \"ISO8601\"",
        ], "\(r.stdout)")
    }

    @Test func needsADateTemplateAndAZone() throws {
        let f = try ConfigFixture()
        let (_, problems) = try f.loadSource(["lifecycle": #"{"preHireDays": 3, "startDate": "2026-01-01"}"#])
        let messages = problems.map { "\($0.jsonPath): \($0.message)" }
        #expect(messages.contains("$.lifecycle.timeZone: required (a string)"), "\(messages)")
        #expect(messages.contains { $0.hasPrefix("$.lifecycle.startDate: expected a template reading a record attribute") }, "\(messages)")
        let (_, none) = try f.loadSource(["lifecycle": #"{"timeZone": "UTC"}"#])
        #expect(none.map(\.message).contains { $0.hasPrefix("needs \"startDate\" or \"endDate\"") }, "\(none)")
    }
}

/// The planner hook on its own: counts, events in state, an incremental read naming a user twice.
@Suite struct LifecyclePlannerTests {
    static func user(_ id: String, start: String, end: String = "") -> SourceRecord {
        SourceRecord(externalId: id, attributes: [SourceAttribute("email", "\(id)@example.com"),
                                                  SourceAttribute("hire_date", start), SourceAttribute("termination_date", end)])
    }

    static func plan(_ records: [SourceRecord], incremental: Bool = false, now: String) throws -> (PlanSummary, StateStore, Int64) {
        let store = try StateStore(directory: TestSupport.makeTemporaryDirectory("lifecycle-planner"), tenant: "acme", source: "hr")
        let runId = try store.beginRun(dryRun: false)
        var rules = Planner.Rules(filter: nil, map: { r in [("userName", r.firstValue("email") ?? ""), ("email", r.firstValue("email") ?? "")] })
        rules.lifecycle = Planner.LifecycleRule(policy: try LifecyclePolicyTests.policy(), now: LifecyclePolicyTests.at(now))
        let planner = Planner(store: store, runId: runId, source: ArraySource(records: records, incremental: incremental),
                              rules: rules, pageSize: 100, checkpoint: nil)
        return (try planner.plan(), store, runId)
    }

    @Test func heldUsersArePendingWithTheirEventAndNotPlanned() throws {
        let (summary, store, runId) = try Self.plan([Self.user("a", start: "2020-01-01", end: "2026-12-10"),
                                                     Self.user("b", start: "2026-12-14"), Self.user("c", start: "x")],
                                                    now: "2026-12-04T10:00:00Z")
        #expect((summary.creates, summary.pending, summary.invalid, summary.deactivations) == (1, 1, 1, 0))
        #expect(try store.planCounts(runId: runId) == [.create: 1])
        #expect(try store.lifecycleEvents(runId: runId).map(\.externalId) == ["b", "a"])
        #expect(try store.nextLifecycleEvents(after: LifecyclePolicyTests.at("2026-12-04T10:00:00Z"), limit: 1).first?.externalId == "b")
    }

    @Test func aLaterOccurrenceInAnIncrementalReadReplacesAHeldOne() throws {
        let (summary, store, runId) = try Self.plan([Self.user("b", start: "2026-12-14"), Self.user("b", start: "2026-12-05")],
                                                    incremental: true, now: "2026-12-04T10:00:00Z")
        #expect((summary.creates, summary.pending, summary.superseded) == (1, 0, 1))
        #expect(try store.lifecycleEvents(runId: runId).isEmpty)
    }
}
