import Foundation
import Testing
@testable import Emulator

@Suite("Emulator session state machine")
struct SessionStateMachineTests {
    @Test func createReturns201WithAnOktaShapedSession() throws {
        let h = try EmulatorHarness()
        let r = h.send("POST", h.api("/sessions"))
        #expect(r.status == 201)
        let id = try #require(r.object["id"] as? String)
        #expect(id.hasPrefix("aps") && id.count == 20)
        #expect(r.object["status"] as? String == "CREATED")
        #expect(r.object["importType"] as? String == "INCREMENTAL")
        #expect(r.object["identitySourceId"] as? String == EmulatorHarness.source)
        let created = try #require(r.object["created"] as? String)
        #expect(created.hasSuffix(".000Z") && created.count == 24)
    }

    @Test func onlyOneOpenSessionPerSource() throws {
        let h = try EmulatorHarness()
        let first = h.createSession()
        let second = h.send("POST", h.api("/sessions"))
        #expect(second.status == 400)
        #expect(second.errorCode == "E0000001")
        #expect(second.object["errorCauses"] != nil)
        // Another source of the same org is independent.
        #expect(h.send("POST", h.api("/sessions", source: "0oaacme0000000000002")).status == 201)
        // After cancelling, a new one may be created.
        #expect(h.send("DELETE", h.api("/sessions/\(first)")).status == 204)
        #expect(h.status(first) == "CLOSED")
        #expect(h.send("POST", h.api("/sessions")).status == 201)
    }

    @Test func fullLifecycleCreatedInProgressTriggeredCompleted() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        #expect(h.status(s) == "CREATED")
        let up = h.upsert(s, [EmulatorHarness.user("u1")])
        #expect(up.status == 202)
        #expect(up.body.isEmpty)
        #expect(h.status(s) == "IN_PROGRESS")
        let t = h.trigger(s)
        #expect(t.status == 200)
        #expect(t.object["status"] as? String == "TRIGGERED")
        #expect(h.status(s) == "TRIGGERED")
        // Uploads and cancel are refused once triggered.
        #expect(h.upsert(s, [EmulatorHarness.user("u2")]).status == 400)
        let cancel = h.send("DELETE", h.api("/sessions/\(s)"))
        #expect(cancel.status == 400)
        #expect(cancel.causes == ["Only a session that is in CREATED or IN_PROGRESS status can be canceled."])
        #expect(h.trigger(s).status == 400)
        // The manual clock: processing completes when time passes the processing delay.
        h.advance(0.01)
        #expect(h.status(s) == "TRIGGERED")
        h.advance(1)
        #expect(h.status(s) == "COMPLETED")
        #expect(h.upsert(s, [EmulatorHarness.user("u2")]).status == 400)
        #expect(h.users().map { $0["externalId"] as? String } == ["u1"])
    }

    @Test func startImportFromCreatedIsRejectedUnlessConfigured() throws {
        let h = try EmulatorHarness()
        let s = h.createSession()
        let r = h.trigger(s)
        #expect(r.status == 400)
        #expect(r.errorCode == "E0000001")
        // A bulk-delete that matches nothing has no effect: the session stays CREATED.
        #expect(h.delete(s, ["nobody"]).status == 202)
        #expect(h.status(s) == "CREATED")
        #expect(h.trigger(s).status == 400)

        let legacy = try EmulatorHarness(acme: "\"allowTriggerFromCreated\": true")
        let l = legacy.createSession()
        #expect(legacy.trigger(l).status == 200)
    }

    @Test func listSessionsShowsActiveOnly() throws {
        let h = try EmulatorHarness()
        let a = h.createSession()
        #expect(h.send("DELETE", h.api("/sessions/\(a)")).status == 204)
        let b = h.createSession()
        _ = h.upsert(b, [EmulatorHarness.user("u1")])
        _ = h.trigger(b)
        #expect(h.send("GET", h.api("/sessions")).array.map { $0["id"] as? String } == [b])
        h.advance(1)
        #expect(h.send("GET", h.api("/sessions")).array.isEmpty)
        // Every session, with its report, through the inspection API.
        #expect(h.inspectSessions().map { $0["status"] as? String } == ["CLOSED", "COMPLETED"])
        // GET of one session works in any state.
        #expect(h.status(a) == "CLOSED")
    }

    @Test func unknownSessionIs400ByDefaultOr404WhenConfigured() throws {
        let h = try EmulatorHarness()
        let r = h.send("GET", h.api("/sessions/aps00000000000000000"))
        #expect(r.status == 400)
        #expect(r.errorCode == "E0000001")
        let h404 = try EmulatorHarness(acme: "\"unknownSessionStatus\": 404")
        #expect(h404.send("GET", h404.api("/sessions/aps00000000000000000")).errorCode == "E0000007")
        // A session of another source of the same org is unknown here.
        let other = h.createSession(source: "0oaacme0000000000002")
        #expect(h.send("GET", h.api("/sessions/\(other)")).status == 400)
    }

    @Test func idleOpenSessionsExpireAfter24Hours() throws {
        let h = try EmulatorHarness()
        let created = h.createSession()
        h.advance(86_399)
        #expect(h.status(created) == "CREATED")  // this GET counts as activity
        h.advance(86_399)
        #expect(h.status(created) == "CREATED")
        h.advance(86_400)
        #expect(h.status(created) == "EXPIRED")
        #expect(h.upsert(created, [EmulatorHarness.user("u1")]).status == 400)
        let inProgress = h.createSession()
        _ = h.upsert(inProgress, [EmulatorHarness.user("u1")])
        h.advance(86_400)
        #expect(h.status(inProgress) == "EXPIRED")
        #expect(h.users().isEmpty)
        #expect(h.send("POST", h.api("/sessions")).status == 201)
    }

    @Test func cooldownSinceTriggerBlocksForFiveMinutes() throws {
        let h = try EmulatorHarness(acme: "\"sessionGate\": \"sinceTrigger\"")
        let s = h.importUsers([EmulatorHarness.user("u1")])
        #expect(h.status(s) == "COMPLETED")
        h.advance(290)
        #expect(h.send("POST", h.api("/sessions")).status == 400)
        h.advance(10)
        #expect(h.send("POST", h.api("/sessions")).status == 201)
    }

    @Test func cooldownBothBlocksOnlyWhileTheTriggeredSessionIsProcessing() throws {
        let h = try EmulatorHarness(acme: "\"processingDelayMs\": 600000, \"cooldownSeconds\": 300")
        let s = h.createSession()
        _ = h.upsert(s, [EmulatorHarness.user("u1")])
        _ = h.trigger(s)
        h.advance(299)
        #expect(h.status(s) == "TRIGGERED")
        #expect(h.send("POST", h.api("/sessions")).status == 400)
        h.advance(2)
        #expect(h.status(s) == "TRIGGERED")
        #expect(h.send("POST", h.api("/sessions")).status == 201)

        // Once processing is done, `both` lets a new session through before five minutes.
        let quick = try EmulatorHarness()
        _ = quick.importUsers([EmulatorHarness.user("u1")])
        #expect(quick.send("POST", quick.api("/sessions")).status == 201)
        // `activeOnly` never applies the cool-down.
        let open = try EmulatorHarness(acme: "\"sessionGate\": \"activeOnly\", \"processingDelayMs\": 600000")
        let o = open.createSession()
        _ = open.upsert(o, [EmulatorHarness.user("u1")])
        _ = open.trigger(o)
        #expect(open.send("POST", open.api("/sessions")).status == 201)
    }

    @Test func sessionsOfOneSourceAreProcessedSequentiallyInTriggerOrder() throws {
        let h = try EmulatorHarness(acme: "\"sessionGate\": \"activeOnly\", \"processingDelayMs\": 1000")
        let first = h.createSession()
        _ = h.upsert(first, [EmulatorHarness.user("u1", ["title": "first"])])
        _ = h.trigger(first)
        h.advance(0.5)
        let second = h.createSession()
        _ = h.upsert(second, [EmulatorHarness.user("u1", ["title": "second"])])
        _ = h.trigger(second)
        h.advance(0.6)  // t = 1.1: the first is done; the second started at 1.0 and needs until 2.0
        #expect(h.status(first) == "COMPLETED")
        #expect(h.status(second) == "TRIGGERED")
        h.advance(1)
        #expect(h.status(second) == "COMPLETED")
        let sessions = h.inspectSessions()
        let finished = sessions.compactMap { $0["finished"] as? String }
        #expect(finished.count == 2 && finished[0] < finished[1])
        let profile = h.users().first?["profile"] as? [String: Any]
        #expect(profile?["title"] as? String == "second")
        #expect(h.report(first)["created"] == 1)
        #expect(h.report(second)["updated"] == 1)
    }

    @Test func processingWithTheSystemClockCompletesInTheBackground() async throws {
        let h = try EmulatorHarness(acme: "\"processingDelayMs\": 20", clock: "system")
        let s = h.createSession()
        _ = h.upsert(s, [EmulatorHarness.user("u1")])
        #expect(h.trigger(s).object["status"] as? String == "TRIGGERED")
        var status = h.status(s)
        for _ in 0..<500 where status == "TRIGGERED" {
            try await Task.sleep(for: .milliseconds(10))
            status = h.status(s)
        }
        #expect(status == "COMPLETED")
        h.emulator.shutdown()
    }
}
