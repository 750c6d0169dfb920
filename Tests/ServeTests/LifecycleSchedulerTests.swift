import Foundation
@testable import Host
import Testing

/// The scheduler's extra lifecycle run: taken at its instant, and it leaves the schedule's own due time alone.
@Suite struct LifecycleSchedulerTests {
    @Test func extraRunAtTheEventKeepsTheScheduledDueTime() {
        let t0 = SchedulerTests.date("2026-01-01T10:00:00Z")
        let scheduler = SourceScheduler()
        scheduler.load(SchedulerTests.config([("acme", "hr", .every(seconds: 3600))]), now: t0)
        scheduler.finished(scheduler.takeDue(now: t0, jobs: 1)[0], now: t0.addingTimeInterval(5))
        #expect(SchedulerTests.iso(scheduler.due("acme/hr")) == "2026-01-01T11:00:00Z")
        scheduler.setExtraDue("acme/hr", t0.addingTimeInterval(600))
        #expect(scheduler.takeDue(now: t0.addingTimeInterval(599), jobs: 1).isEmpty)
        let extra = scheduler.takeDue(now: t0.addingTimeInterval(600), jobs: 1)
        #expect(extra.map(\.key) == ["acme/hr"])
        scheduler.finished(extra[0], now: t0.addingTimeInterval(610))
        #expect(SchedulerTests.iso(scheduler.due("acme/hr")) == "2026-01-01T11:00:00Z")
        #expect(scheduler.takeDue(now: t0.addingTimeInterval(620), jobs: 1).isEmpty, "the extra run is used up")
        #expect(scheduler.takeDue(now: t0.addingTimeInterval(3600), jobs: 1).map(\.key) == ["acme/hr"])
    }
}
