import Foundation
import HTTPServer
import Host
import Testing
import XaasJSON

/// Paging, values, settings and safety of the Graph connector, through the real `.so` and a Graph-shaped fake.
@Suite struct GraphPagingTests {
    static func fake(users count: Int) throws -> FakeGraph {
        let fake = try FakeGraph()
        for i in 1...max(1, count) where count > 0 { fake.upsert(GraphUsers.user(i)) }
        return fake
    }

    @Test func followsNextLinkVerbatimThroughEmptyPages() throws {
        let fake = try Self.fake(users: 7)
        fake.state.withLock { $0.emptyPages = true }
        let h = try GraphHarness(fake, settings: "\"pageSize\": 3")
        let round = try h.readAll()
        #expect(round.users.map(\.externalId) == (1...7).map(GraphUsers.id))
        #expect(round.pages.contains { $0.records.isEmpty && $0.nextCursor != nil }, "the fake served empty pages with a nextLink")
        #expect(round.pages.allSatisfy { !$0.incremental } && round.checkpoint == nil)
        // Every request after the first is exactly a nextLink the server sent: nothing re-encoded or rebuilt.
        let targets = fake.requests.map(\.target)
        #expect(targets.first?.hasPrefix("/v1.0/users?$top=3&$select=id,") == true, "\(targets.first ?? "")")
        let followed = targets.dropFirst()
        #expect(followed.count == round.pages.count - 1)
        for target in followed {
            #expect(target.contains("$skiptoken=RFNwdAIAAQAAAD8") && target.contains("%27%2B%2F%3D"), "\(target)")
        }
        #expect(!fake.requests.contains { $0.headers["ConsistencyLevel"] != nil })
    }

    @Test func advancedFilterSendsConsistencyLevelOnEveryPage() throws {
        let fake = try FakeGraph()
        for i in 1...10 { fake.upsert(GraphUsers.user(i, department: i % 3 == 0 ? "Sales" : "Okta Workflows")) }
        let h = try GraphHarness(fake, settings: "\"pageSize\": 2, \"select\": \"id,department\", \"filter\": \"department ne 'Sales'\"")
        let round = try h.readAll()
        #expect(round.users.count == 7)
        #expect(round.users.allSatisfy { $0.firstValue("department") == "Okta Workflows" })
        #expect(fake.requests.count == 4)
        #expect(fake.requests.allSatisfy { $0.headers["ConsistencyLevel"] == "eventual" })
        #expect(fake.requests.allSatisfy { $0.queryItems.contains { $0.name == "$count" && $0.value == "true" } })
        #expect(fake.requests[1].target.contains("$filter=department%20ne%20%27Sales%27"), "\(fake.requests[1].target)")
    }

    @Test func valuesBecomeStringAttributes() throws {
        let fake = try Self.fake(users: 1)
        fake.upsert(GraphUsers.user(2, enabled: false))
        let h = try GraphHarness(fake, settings: """
            "select": "id,userPrincipalName,businessPhones,mobilePhone,employeeOrgData,extension_b2c_loyaltyPoints,assignedLicenses,accountEnabled",
            "externalId": "userPrincipalName"
            """)
        let users = try h.readAll().users
        #expect(users.map(\.externalId) == ["adele1@contoso.onmicrosoft.com", "adele2@contoso.onmicrosoft.com"])
        let u = try #require(users.first)
        #expect(u.status == .active && users[1].status == .inactive)
        #expect(u.values("businessPhones") == ["+1 425 555 0109", "+1 425 555 0110"])
        #expect(u.values("mobilePhone").isEmpty, "null is omitted")
        #expect(u.values("assignedLicenses").isEmpty)
        #expect(u.firstValue("employeeOrgData.division") == "Retail")
        #expect(u.firstValue("employeeOrgData.costCenter") == "CC-1")
        #expect(u.firstValue("extension_b2c_loyaltyPoints") == "123456789012345678901", "numbers keep their literal text")
        #expect(u.firstValue("accountEnabled") == "true" && users[1].firstValue("accountEnabled") == "false")
        #expect(!u.attributes.contains { $0.name.contains("@") })
    }

    @Test func defaultSelectionAddsStatusAndExternalId() throws {
        let fake = try Self.fake(users: 2)
        let h = try GraphHarness(fake, settings: "\"select\": [\"displayName\"], \"externalId\": \"employeeOrgData.costCenter\"")
        let users = try h.readAll().users
        let select = fake.requests.first?.queryItems.first { $0.name == "$select" }?.value
        #expect(select == "id,displayName,employeeOrgData,accountEnabled")
        #expect(users.map(\.externalId) == ["CC-1", "CC-2"])
        #expect(users.allSatisfy { $0.status == .active })
    }

    @Test func groupsAndMembershipsArePaged() throws {
        let fake = try Self.fake(users: 5)
        fake.state.withLock { s in
            s.groups = [
                ("g-1", "Sales", (1...5).map { (GraphUsers.id($0), "#microsoft.graph.user") } + [("dev-1", "#microsoft.graph.device")]),
                ("g-2", "Empty", []),
                ("g-3", "Nested", [("g-1", "#microsoft.graph.group"), (GraphUsers.id(3), "#microsoft.graph.user")]),
            ]
        }
        let h = try GraphHarness(fake, settings: "\"pageSize\": 2, \"groups\": true, \"externalId\": \"userPrincipalName\"")
        let round = try h.readAll()
        #expect(round.users.count == 5)
        #expect(round.records.filter { $0.kind == .group }.map(\.externalId) == ["g-1", "g-2", "g-3"])
        #expect(round.records.first { $0.kind == .group }?.firstValue("displayName") == "Sales")
        let memberships = round.records.filter { $0.kind == .membership }
        #expect(memberships.map(\.externalId) == ["g-1", "g-2", "g-3"])
        #expect(memberships[0].values("member") == (1...5).map { "adele\($0)@contoso.onmicrosoft.com" })
        #expect(memberships[1].values("member").isEmpty)
        #expect(memberships[2].values("member") == ["adele3@contoso.onmicrosoft.com"])
        #expect(round.notes.contains { $0.contains("g-1") && $0.contains("1 member(s) that are not users") })
        #expect(round.notes.contains { $0.contains("g-3") && $0.contains("not users") })
        // The members of g-1 took three pages of 2.
        #expect(fake.requests.filter { $0.path == "/v1.0/groups/g-1/members" }.count == 3)
    }

    @Test func refusesALinkToAnotherHost() throws {
        let fake = try Self.fake(users: 1)
        fake.inject(.init(pathPrefix: "/v1.0/users", response: .json(200, """
            {"@odata.nextLink":"https://evil.example/v1.0/users?$skiptoken=x","value":[]}
            """)))
        let h = try GraphHarness(fake)
        #expect {
            _ = try h.readAll()
        } throws: { error in
            let e = error as? PluginError
            return e?.code == .sourceData && e?.message.contains("https://evil.example:443") == true
        }
        #expect(fake.requests.count == 1)
    }

    @Test func a400IsConfigOnTheFirstRequestAndSourceDataOnALink() throws {
        let fake = try Self.fake(users: 4)
        let bad = try GraphHarness(fake, settings: "\"filter\": \"startswith(displayName,'A')\"")
        #expect {
            _ = try bad.readAll()
        } throws: { error in
            let e = error as? PluginError
            return e?.code == .config && e?.message.contains("Request_UnsupportedQuery") == true
                && e?.message.contains("settings.filter") == true
        }
        let h = try GraphHarness(fake, settings: "\"pageSize\": 2")
        let first = try h.instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 2)
        fake.state.withLock { $0.pageTokens.removeAll() }
        #expect {
            _ = try h.instance.readPage(cursor: first.nextCursor, checkpoint: nil, pageSizeHint: 2)
        } throws: { error in
            let e = error as? PluginError
            return e?.code == .sourceData && e?.message.contains("Directory_InvalidSkipToken") == true
        }
    }

    @Test func settingsErrorsNameTheSetting() throws {
        let fake = try FakeGraph()
        func openError(_ settings: String) -> String {
            do {
                _ = try PluginInstance(plugin: try GraphHarness.plugin.get(), settingsJSON: settings)
                return "opened"
            } catch {
                return "\(error)"
            }
        }
        let bearer = "\"auth\": {\"type\": \"bearer\", \"token\": {\"env\": \"X\"}}"
        #expect(openError("{\"baseUrl\": \"http://graph.example.com/v1.0\", \(bearer)}").contains("settings.baseUrl: plain http"))
        #expect(openError("{\"baseUrl\": \"\(fake.baseURL)\", \(bearer), \"pageSize\": 1000}").contains("settings.pageSize"))
        #expect(openError("{\"baseUrl\": \"\(fake.baseURL)\", \(bearer), \"delta\": true, \"filter\": \"a eq 1\"}")
            .contains("settings.filter cannot be combined"))
        let inline = openError("{\"baseUrl\": \"\(fake.baseURL)\", \"auth\": {\"type\": \"bearer\", \"token\": \"hunter2-secret\"}}")
        #expect(inline.contains("settings.auth.token") && !inline.contains("hunter2"))
        #expect(openError("{\"baseUrl\": \"\(fake.baseURL)\", \(bearer), \"pagesize\": 10}").contains("settings.pagesize: unknown"))
        #expect(openError("{\"baseUrl\": \"https://graph.example.com/v1.0\", \"auth\": {\"type\": \"clientCredentials\", "
                          + "\"tokenUrl\": \"http://login.example.com/t\", \"clientId\": \"a\", \"clientSecret\": {\"env\": \"S\"}}}")
            .contains("settings.auth.tokenUrl: plain http"))
        #expect(openError("{\"baseUrl\": \"\(fake.baseURL)\", \(bearer)}") == "opened")
    }

    @Test func missingExternalIdNamesTheRecordAndField() throws {
        let fake = try Self.fake(users: 2)
        fake.update(GraphUsers.id(2), [("userPrincipalName", .null)])
        let h = try GraphHarness(fake, settings: "\"externalId\": \"userPrincipalName\"")
        #expect {
            _ = try h.readAll()
        } throws: { error in
            let message = (error as? PluginError)?.message ?? ""
            return message.contains("value[1]") && message.contains(GraphUsers.id(2)) && message.contains("userPrincipalName")
        }
    }

    @Test func cancelStopsARequestInFlight() throws {
        let fake = try Self.fake(users: 1)
        fake.inject(.init(pathPrefix: "/v1.0/users", response: .json(200, "{\"value\":[]}"), delaySeconds: 5))
        let h = try GraphHarness(fake)
        let instance = h.instance
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { instance.cancel() }
        #expect {
            _ = try h.readAll()
        } throws: { ($0 as? PluginError)?.code == .cancelled }
    }
}
