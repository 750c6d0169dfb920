import Foundation
import SyncTestSupport
import Testing
import XaasJSON

/// The seed's pagination scenario end to end (`xaas sync` as a subprocess): a Graph-shaped source of 300
/// users, of which only `department == "Okta Workflows"` are in scope, read with page size 200 into the
/// Okta emulator; then one user disabled in the source → deactivated by the next (delta) run.
@Suite(.serialized) struct GraphSyncTests {
    @Test func paginationScenarioThenADeltaRun() throws {
        let f = try GraphSyncFixture()
        // 300 users, 250 in scope: two Graph pages (200 + 100) and two bulk requests (200 + 50).
        for i in 1...300 { f.graph.upsert(GraphUsers.user(i, department: i % 6 == 0 ? "Sales" : "Okta Workflows")) }

        var (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?.int("created") == 250, "\(run?.serialized ?? stderr)")
        #expect(run?.int("bulkRequests") == 2 && run?.int("sessions") == 1, "\(run?.serialized ?? "")")
        #expect(run?["incremental"]?.boolValue == false)
        let graphPages = f.graph.requests.filter { $0.path == "/v1.0/users/delta" }
        #expect(graphPages.count == 2 && graphPages.allSatisfy { $0.headers["Prefer"] == "odata.maxpagesize=200" })
        var users = try f.users()
        #expect(users.count == 250 && users.values.allSatisfy { $0.status == "ACTIVE" })
        let sample = try #require(users["adele7@contoso.onmicrosoft.com"])
        #expect(sample.profile["firstName"] == "Adele7" && sample.profile["department"] == "Okta Workflows")
        #expect(sample.profile["title"] == "Retail Manager" && sample.profile["countryCode"] == "US")
        #expect(users["adele6@contoso.onmicrosoft.com"] == nil, "out of scope")

        // One user disabled in the source: the delta run reads only that change and deactivates it.
        f.graph.update(GraphUsers.id(43), [("accountEnabled", .bool(false))])
        let bulkBefore = try f.stat("bulkRequests")
        let requestsBefore = f.graph.requests.count
        (status, run, stderr) = try f.sync()
        #expect(status == 0, "\(stderr)")
        #expect(run?.int("deactivated") == 1 && run?["incremental"]?.boolValue == true, "\(run?.serialized ?? stderr)")
        #expect(run?.int("bulkRequests") == 1)
        #expect(try f.stat("bulkRequests") == bulkBefore + 1)
        let deltaRequests = f.graph.requests.dropFirst(requestsBefore)
        #expect(deltaRequests.count == 1 && deltaRequests.first?.target.contains("$deltatoken=") == true)
        users = try f.users()
        #expect(users["adele43@contoso.onmicrosoft.com"]?.status == "DEPROVISIONED")
        #expect(users.values.filter { $0.status == "ACTIVE" }.count == 249)
    }
}

/// The Okta emulator and a ``FakeGraph`` on loopback ports, and a config directory syncing one into the other.
final class GraphSyncFixture: EmulatorSyncFixture, @unchecked Sendable {
    let graph: FakeGraph
    static let token = "e2e-token"
    static let sourceId = "0oagraph000000000001"

    init() throws {
        graph = try FakeGraph()
        try super.init(orgs: [EmulatorSyncFixture.org(token: Self.token, identitySources: [Self.sourceId])],
                       directoryPrefix: "graph-e2e",
                       syncEnvironment: [GraphHarness.tokenVariable: "static-bearer-token-value"])
        try writeOrg(token: Self.token)
        try write("acme/entra.json", """
            {"identitySourceId": "\(Self.sourceId)", "connector": "graph",
             "settings": {"baseUrl": "\(graph.baseURL)", "auth": {"type": "bearer", "token": {"env": "\(GraphHarness.tokenVariable)"}},
                          "pageSize": 200, "delta": true, "externalId": "userPrincipalName",
                          "select": ["userPrincipalName", "givenName", "surname", "mail", "mobilePhone", "displayName",
                                     "department", "jobTitle", "streetAddress", "city", "state", "country", "postalCode",
                                     "companyName", "accountEnabled"]},
             "filter": "department == \\"Okta Workflows\\"",
             "mapping": {"userName": "${userPrincipalName}", "email": "${mail}", "firstName": "${givenName}",
                         "lastName": "${surname}", "displayName": "${displayName}", "mobilePhone": "${mobilePhone}",
                         "department": "${department}", "title": "${jobTitle}", "streetAddress": "${streetAddress}",
                         "city": "${city}", "state": "${state}", "countryCode": "${country}", "zipCode": "${postalCode}",
                         "organization": "${companyName}"},
             "safeguards": {"maxDeactivationPercent": 20}}
            """)
    }

    deinit { graph.stop() }
}
