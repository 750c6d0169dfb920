import Foundation
import HTTPServer
import SyncTestSupport
import Testing
import TestSupport

/// A deactivation-only session whose users Okta does not have stays CREATED and start-import fails (the
/// guide). The run must still end ok, cancel the empty session and record the user as gone, so later runs
/// do not fail the same way forever.
@Suite struct EmptyDeactivationSessionTests {
    @Test("sync 5 users, reset Okta's directory, remove one user: the run ends ok, the session is cancelled, the next run is clean")
    func deactivationOfUnknownUser() throws {
        let f = try EmulatorFixture()
        let rows = WorkshopRow.make(5)
        try f.writeUsers(rows)
        let first = try f.sync()
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try f.users().count == 5)

        _ = f.emulator.handle(HTTPRequest(method: "POST", target: "/emulator/v1/reset"))
        #expect(try f.users().isEmpty)
        try f.writeUsers(Array(rows.dropLast()))
        let second = try f.sync()
        #expect(second.status == 0, "\(second.stderr)\n\(second.run?.serialized ?? "")")
        #expect(second.run?["status"]?.stringValue == "ok", "\(second.run?.serialized ?? "")")
        let sessions = try f.inspect("sessions").arrayValue ?? []
        #expect(sessions.contains { $0["status"]?.stringValue == "CLOSED" }, "the empty session was cancelled: \(sessions)")
        #expect(!sessions.contains { $0["status"]?.stringValue == "CREATED" })

        let third = try f.sync()
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.run?.int("deactivated") == 0, "the user is recorded as gone: \(third.run?.serialized ?? "")")
        #expect(third.run?.int("bulkRequests") == 0, "\(third.run?.serialized ?? "")")
    }
}
