import Foundation
@testable import Host
import Testing
import XaasJSON

/// The run report's `groups` / `memberships` objects survive JSON, and Prometheus metrics carry them.
@Suite struct GroupReportTests {
    static func report() -> RunReport {
        var r = RunReport(tenant: "acme", source: "ldap")
        r.groups.created = 3; r.groups.updated = 1; r.groups.unchanged = 7; r.groups.deleted = 2
        r.memberships.added = 40; r.memberships.removed = 5; r.memberships.skipped = 1
        return r
    }

    @Test func reportJSONHasGroupsAndMembershipsAndRoundTrips() throws {
        let json = Self.report().json
        #expect(json["groups"] == .object([("created", .number("3")), ("updated", .number("1")),
                                           ("unchanged", .number("7")), ("deleted", .number("2"))]))
        #expect(json["memberships"] == .object([("added", .number("40")), ("removed", .number("5")), ("skipped", .number("1"))]))
        let back = try #require(RunReport(json: try JSONValue.parse(json.serialized)))
        #expect(back.groups == Self.report().groups && back.memberships == Self.report().memberships)
        #expect(back.groupsLine == "groups: 3 created, 1 updated, 7 unchanged, 2 deleted; memberships: 40 added, 5 removed, 1 skipped")
        #expect(RunReport(tenant: "a", source: "b").groupsLine == nil)
    }

    @Test func metricsCarryGroupAndMembershipCounts() {
        let metrics = ServeMetrics()
        metrics.record(WorkerResult(report: Self.report()))
        metrics.record(WorkerResult(report: Self.report()))
        let text = metrics.render()
        #expect(text.contains(#"xaas_groups_total{tenant="acme",source="ldap",action="created"} 6"#))
        #expect(text.contains(#"xaas_groups_total{tenant="acme",source="ldap",action="deleted"} 4"#))
        #expect(text.contains(#"xaas_memberships_total{tenant="acme",source="ldap",action="added"} 80"#))
        #expect(text.contains(#"xaas_memberships_total{tenant="acme",source="ldap",action="skipped"} 2"#))
    }

    @Test func groupsConfigAcceptsBooleanAndObjectAndRejectsUnknownKeys() throws {
        func read(_ text: String) throws -> (GroupSyncConfig?, [String]) {
            var reader = ConfigReader(file: "/x/hr.json")
            let config = GroupSyncConfig.read(try JSONValue.parse(text), reader: &reader)
            return (config, reader.problems.map { "\($0)" })
        }
        #expect(try read("{}").0 == nil)
        #expect(try read(#"{"groups": false}"#).0?.enabled == false)
        let (full, none) = try read(#"{"groups": {"filter": "cn != \"x\"", "mapping": {"displayName": "${cn}"}, "safeguards": {"maxDeletePercent": 50, "maxMembershipRemovals": null}}}"#)
        #expect(none.isEmpty, "\(none)")
        #expect(full?.enabled == true && full?.maxDeletePercent == 50 && full?.maxMembershipRemovals == nil)
        #expect(full?.displayName != nil && full?.filter != nil)
        let (_, problems) = try read(#"{"groups": {"mapping": {"title": "x"}, "enabled": 1}}"#)
        #expect(problems.contains { $0.contains("$.groups.mapping.title") && $0.contains("unknown key") })
        #expect(problems.contains { $0.contains("$.groups.enabled") })
    }
}
