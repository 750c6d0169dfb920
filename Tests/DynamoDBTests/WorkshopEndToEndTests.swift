import Foundation
import Testing
import TestSupport
import XaasJSON

/// The seed workshop end to end (reference §10.2): 100 sample users behind an API-Gateway-style
/// `GET /items` → `xaas sync` with the `dynamodb` connector in mode `http` → 100 users in the emulator;
/// then one update and one deactivation, as the workshop's scheduled flows do.
@Suite(.serialized) struct WorkshopEndToEndTests {
    @Test func hundredUsersThenAnUpdateAndADeactivation() throws {
        let f = try WorkshopFixture()
        var users = SampleUser.make(100)
        f.serve(users)

        var (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?["created"]?.intValue == 100, "\(run?.serialized ?? stderr)")
        var okta = try f.users()
        #expect(okta.count == 100 && okta.values.allSatisfy { $0.status == "ACTIVE" })
        let zoe = try #require(okta[users[9].id])
        #expect(zoe.profile["displayName"] == "\(users[9].first) \(users[9].last)")
        #expect(zoe.profile["streetAddress"] == "\(users[9].streetNumber) Calle del Arenal")
        #expect(zoe.profile["countryCode"] == users[9].country && zoe.profile["zipCode"] == users[9].postcode)
        #expect(zoe.profile["mobilePhone"] == users[9].cell && zoe.profile["userName"] == users[9].id)

        // Nothing changed: nothing sent.
        (status, run, stderr) = try f.sync()
        #expect(status == 0 && run?["unchanged"]?.intValue == 100 && run?["bulkRequests"]?.intValue == 0, "\(run?.serialized ?? stderr)")

        // One title changed in the table: exactly one update.
        users[41].title = "Director"
        f.serve(users)
        (status, run, stderr) = try f.sync()
        #expect(status == 0 && run?["updated"]?.intValue == 1 && run?["unchanged"]?.intValue == 99, "\(run?.serialized ?? stderr)")
        okta = try f.users()
        #expect(okta[users[41].id]?.profile["title"] == "Director")

        // One user set "active": false: deactivated.
        users[6].active = false
        f.serve(users)
        (status, run, stderr) = try f.sync()
        #expect(status == 0 && run?["deactivated"]?.intValue == 1, "\(run?.serialized ?? stderr)")
        okta = try f.users()
        #expect(okta[users[6].id]?.status == "DEPROVISIONED")
        #expect(okta.values.filter { $0.status == "ACTIVE" }.count == 99)
    }
}
